import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { OutboxService } from '@sg/mail';
import { QueueName, QueueService } from '@sg/queues';
import { AlertRepository } from '../analysis/alert.repository';
import { ServerDirectory } from '../analysis/server-directory';
import { DbAlertMailRenderer } from './db-alert-mail.renderer';

export type AlertMailOutcome =
  | { outcome: 'sent'; outboxId: string; alerts: number; recipients: number }
  | { outcome: 'throttled'; dueAt: number }
  | { outcome: 'nothing-to-do' }
  | { outcome: 'server-gone' }
  | { outcome: 'no-recipients'; alerts: number };

/** The BullMQ id of the job that mails a server's alerts of one type once its throttle period ends. */
export const throttledMailJobId = (serverId: string, alertType: string, dueAt: number): string =>
  `dbwatch-mail-${serverId}-${alertType}-${dueAt}`;

/**
 * Mails the unmailed open alerts of one server and type in one e-mail, at most once per
 * DBWATCH_ALERT_THROTTLE: the throttle row is locked, the alerts taken, the mail stored in the
 * outbox and the alerts marked mailed in ONE transaction, so two workers (or a retry) never send
 * the same alerts twice. Throttled: a delayed job comes back when the period ends and mails
 * everything gathered meanwhile.
 */
@Injectable()
export class AlertMailer {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly servers: ServerDirectory,
    private readonly outbox: OutboxService,
    private readonly queues: QueueService,
    private readonly renderer: DbAlertMailRenderer,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  async mail(serverId: string, alertType: string): Promise<AlertMailOutcome> {
    const throttle = this.cfg.DBWATCH_ALERT_THROTTLE;
    const result = await this.alerts.transaction(async (m): Promise<AlertMailOutcome> => {
      const last = await this.alerts.lockThrottle(m, serverId, alertType);
      if (last === 'gone') return { outcome: 'server-gone' };
      const now = Date.now();
      if (last && now - last.getTime() < throttle) return { outcome: 'throttled', dueAt: last.getTime() + throttle };
      const pending = await this.alerts.takeUnmailed(m, serverId, alertType);
      if (!pending.length) return { outcome: 'nothing-to-do' };
      const ids = pending.map((a) => a.id);
      const server = await this.servers.get(serverId, true);
      const to = server ? await this.servers.recipients(server) : [];
      if (!server || !to.length) {
        await this.alerts.markMailed(
          m,
          ids,
          null,
          'no recipients: the policy names none and no subscription contact applies',
        );
        return { outcome: 'no-recipients', alerts: ids.length };
      }
      const mail = this.renderer.render(server, pending, this.cfg.PUBLIC_URL, throttle);
      const row = await this.outbox.storeRendered(m, { template: 'db-alert', to, ...mail });
      await this.alerts.markMailed(m, ids, row.id, `mailed to ${to.join(', ')}`);
      await this.alerts.markThrottle(m, serverId, alertType, new Date(now));
      return { outcome: 'sent', outboxId: row.id, alerts: ids.length, recipients: to.length };
    });
    if (result.outcome === 'sent') await this.outbox.schedule(result.outboxId);
    if (result.outcome === 'throttled')
      await this.queues.enqueue({
        queue: QueueName.DBWATCH,
        name: 'dbwatch.alert-mail',
        data: { serverId, alertType },
        jobId: throttledMailJobId(serverId, alertType, result.dueAt),
        delayMs: result.dueAt - Date.now(),
      });
    return result;
  }

  /** Server and type of open alerts nobody mailed yet, older than `before` (the reconciler's list). */
  async overdue(before: Date): Promise<{ serverId: string; alertType: string }[]> {
    const rows: { server_id: string; type: string }[] = await this.alerts.ds.query(
      `SELECT DISTINCT server_id, type FROM db_alerts
        WHERE mailed_at IS NULL AND state = 'open' AND created_at < $1 LIMIT 1000`,
      [before],
    );
    return rows.map((r) => ({ serverId: r.server_id, alertType: r.type }));
  }
}
