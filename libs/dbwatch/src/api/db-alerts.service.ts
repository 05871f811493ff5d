import { Injectable } from '@nestjs/common';
import { DomainException, ErrorCode } from '@sg/common';
import { InventoryQueryService } from '@sg/inventory';
import { DB_ALERT_INFO, isDbAlertType } from '../analysis/alert-types';
import { AlertRepository } from '../analysis/alert.repository';
import type { DbAlert, DbAlertFilter, DbAlertState, DbAlertSuppression } from '../analysis/db-alert';
import { LoginEventRepository } from '../analysis/login-event.repository';
import { ServerDirectory } from '../analysis/server-directory';

const HOUR = 3_600_000;
/** Most events shown as the activity around an alert. */
const ACTIVITY_LIMIT = 1000;

/** The responder's view of alerts: list, detail with activity, dismiss/resolve, suppression rules. */
@Injectable()
export class DbAlertsService {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly events: LoginEventRepository,
    private readonly servers: ServerDirectory,
    private readonly inventory: InventoryQueryService,
  ) {}

  list(f: DbAlertFilter): Promise<DbAlert[]> {
    return this.alerts.list(f);
  }

  /** Open alerts by type and severity. */
  openCounts() {
    return this.alerts.openCounts();
  }

  /** An alert with its timeline, possible causes and actions, and that server's login events an hour either side. */
  async detail(id: string) {
    const alert = await this.alerts.get(id);
    if (!alert) throw DomainException.notFound('database alert', id);
    const info = isDbAlertType(alert.type) ? DB_ALERT_INFO[alert.type] : null;
    const [timeline, activity] = await Promise.all([
      this.alerts.timeline(id),
      this.events.between(
        alert.serverId,
        new Date(Date.parse(alert.firstSeen) - HOUR),
        new Date(Date.parse(alert.lastSeen) + HOUR),
        ACTIVITY_LIMIT,
      ),
    ]);
    return { ...alert, causes: info?.causes ?? [], actions: info?.actions ?? [], timeline, activity };
  }

  /** open -> dismissed | resolved; anything else answers 409 naming the state. */
  async transition(id: string, to: Exclude<DbAlertState, 'open'>, actor: string, reason: string): Promise<DbAlert> {
    return this.alerts.transaction(async (m) => {
      const alert = await this.alerts.get(id, m, true);
      if (!alert) throw DomainException.notFound('database alert', id);
      if (alert.state !== 'open')
        throw new DomainException(ErrorCode.INVALID_STATE, `alert ${id} is ${alert.state}, not open`, [
          { field: 'state', message: `is ${alert.state}` },
        ]);
      await this.alerts.setState(m, id, to);
      await this.alerts.addTimeline(m, id, to, actor, reason || to);
      return (await this.alerts.get(id, m))!;
    });
  }

  listSuppressions(): Promise<DbAlertSuppression[]> {
    return this.alerts.listSuppressions();
  }

  async createSuppression(
    input: Omit<DbAlertSuppression, 'id' | 'createdAt' | 'expiresAt'> & { expiresAt: Date | null },
  ) {
    if (input.serverId && !(await this.servers.get(input.serverId, true)))
      throw DomainException.validation([{ field: 'serverId', message: 'no such database server' }]);
    if (input.subscriptionId && (await this.inventory.subscriptionContacts(input.subscriptionId)) === null)
      throw DomainException.validation([{ field: 'subscriptionId', message: 'no such subscription' }]);
    return this.alerts.createSuppression({ ...input, expiresAt: input.expiresAt?.toISOString() ?? null });
  }

  async deleteSuppression(id: string): Promise<void> {
    if (!(await this.alerts.deleteSuppression(id))) throw DomainException.notFound('suppression rule', id);
  }

  simulate(rule: Parameters<AlertRepository['simulate']>[0]) {
    return this.alerts.simulate(rule);
  }
}
