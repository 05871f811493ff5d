import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { QueueName, QueueService } from '@sg/queues';
import { OutboxRepository } from './outbox.repository';
import { mailJobId, OutboxService } from './outbox.service';

/** Exponential backoff grows without bound; past this gap between attempts the reconciler runs the job now. */
const MAX_RETRY_GAP_MS = 15 * 60_000;
const BATCH = 500;

/**
 * PostgreSQL says what is still to send; Redis may have lost the job (a flush, a failover), or
 * the job may have run out of attempts during a long SMTP outage. For every unfinished row that
 * nobody touched for MAIL_RECONCILE_INTERVAL: no job -> add it; a finished job (failed after its
 * attempts) -> start it over; a job waiting on a long backoff -> run it now, so a repaired SMTP
 * server gets the mail within minutes, not days. A waiting or running job is left alone.
 */
@Injectable()
export class OutboxReconciler {
  private readonly logger = new Logger(OutboxReconciler.name);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly service: OutboxService,
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  async sweep(now = new Date()): Promise<{ enqueued: number; restarted: number; promoted: number }> {
    const stats = { enqueued: 0, restarted: 0, promoted: 0 };
    const stale = await this.outbox.findStale(new Date(now.getTime() - this.cfg.MAIL_RECONCILE_INTERVAL), BATCH);
    const queue = this.queues.queue(QueueName.MAIL);
    for (const row of stale) {
      try {
        const job = await queue.getJob(mailJobId(row.id));
        if (!job) {
          await this.service.schedule(row.id);
          stats.enqueued++;
          continue;
        }
        const state = await job.getState();
        if (state === 'failed' || state === 'completed') {
          await job.remove();
          await this.service.schedule(row.id);
          stats.restarted++;
        } else if (
          state === 'delayed' &&
          row.lastAttemptAt &&
          now.getTime() - row.lastAttemptAt.getTime() > MAX_RETRY_GAP_MS
        ) {
          await job.promote();
          stats.promoted++;
        }
      } catch (err) {
        // One row's trouble (a job locked by a worker right now) must not stop the sweep.
        this.logger.debug({ outboxId: row.id, err: (err as Error).message }, 'reconcile: row skipped');
      }
    }
    return stats;
  }
}
