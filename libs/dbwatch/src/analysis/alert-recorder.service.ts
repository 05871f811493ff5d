import { isIP } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { QueueName, QueueService } from '@sg/queues';
import { SEVERITY_RANK } from './alert-types';
import { AlertRepository, type AlertWrite } from './alert.repository';
import { IP_DATA_ATTRIBUTION } from './ip-enrichment';
import { LoginEventRepository } from './login-event.repository';
import type { AlertHit } from './login-detector';
import type { WatchedServer } from './server-directory';

/** Events put into a new alert's evidence (those of its source between first and last sighting). */
const EVIDENCE_EVENTS = 20;

/** The BullMQ job id of an alert's mail job (one per new alert; the job mails every unmailed one). */
export const alertMailJobId = (alertId: string): string => `dbwatch-mail-${alertId}`;

/**
 * Turns detector hits into stored alerts: the server's policy first (off, type switched off,
 * below the minimum severity: nothing is stored), then suppression rules (stored dismissed, never
 * mailed), then folding into the open alert of the same server, type and source. A new open alert
 * asks the worker for its mail.
 */
@Injectable()
export class AlertRecorder {
  private readonly logger = new Logger(AlertRecorder.name);

  constructor(
    private readonly alerts: AlertRepository,
    private readonly events: LoginEventRepository,
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  /** Whether the policy lets a hit through. */
  static allowed(server: WatchedServer, hit: Pick<AlertHit, 'type' | 'severity'>): boolean {
    const p = server.policy;
    return (
      p.enabled &&
      !p.disabledAlertTypes.includes(hit.type) &&
      SEVERITY_RANK[hit.severity] >= SEVERITY_RANK[p.minSeverity]
    );
  }

  async record(server: WatchedServer, hits: readonly AlertHit[]): Promise<{ created: number; folded: number }> {
    let created = 0;
    let folded = 0;
    for (const hit of hits) {
      if (!AlertRecorder.allowed(server, hit)) continue;
      const write = await this.toWrite(server, hit);
      write.suppression = await this.alerts.matchSuppression(write);
      const r = await this.alerts.foldOrInsert(write, this.cfg.DBWATCH_ALERT_DEDUPE);
      if (!r.created) {
        folded++;
        continue;
      }
      created++;
      if (!write.suppression) await this.askForMail(server.id, hit.type, r.id);
    }
    return { created, folded };
  }

  private async askForMail(serverId: string, alertType: string, alertId: string): Promise<void> {
    try {
      await this.queues.enqueue({
        queue: QueueName.DBWATCH,
        name: 'dbwatch.alert-mail',
        data: { serverId, alertType },
        jobId: alertMailJobId(alertId),
      });
    } catch (err) {
      // The alert is stored unmailed; the next alert of its server and type mails it too.
      this.logger.warn({ alertId, err: (err as Error).message }, 'alert stored but its mail not queued');
    }
  }

  private async toWrite(server: WatchedServer, hit: AlertHit): Promise<AlertWrite> {
    const firstSeen = new Date(Math.min(hit.firstAt, hit.at));
    const lastSeen = new Date(hit.at);
    const bySource = hit.sourceIp !== '' && hit.key === hit.sourceIp;
    const events = await this.events.between(
      server.id,
      new Date(firstSeen.getTime() - 1000),
      new Date(lastSeen.getTime() + 1000),
      EVIDENCE_EVENTS,
      bySource ? hit.sourceIp : undefined,
    );
    return {
      serverId: server.id,
      subscriptionId: server.subscriptionId,
      type: hit.type,
      severity: hit.severity,
      dedupeKey: hit.key,
      // Only an address goes into the column rules compare as inet; the evidence keeps the text as logged.
      sourceIp: isIP(hit.sourceIp) ? hit.sourceIp : '',
      user: hit.user,
      database: hit.database,
      application: hit.application,
      firstSeen,
      lastSeen,
      suppression: null,
      evidence: {
        rule: hit.rule,
        threshold: hit.threshold,
        values: hit.values,
        source: { ip: hit.sourceIp, ...hit.facts },
        dataAttribution: IP_DATA_ATTRIBUTION,
        events,
      },
    };
  }
}
