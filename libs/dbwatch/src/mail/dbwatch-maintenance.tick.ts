import { Inject, Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { IntervalTick, QueueName, QueueService } from '@sg/queues';
import { BaselineRepository } from '../analysis/baseline.repository';
import { LoginEventRepository } from '../analysis/login-event.repository';
import { AlertMailer } from './alert-mailer.service';

const INTERVAL_MS = 60_000;
/** An alert unmailed this long after it was stored lost its job (Redis); the tick queues it again. */
const MAIL_GRACE_MS = 60_000;

/**
 * Every minute (and at start): re-queues the mail of alerts whose job was lost, drops login-event
 * partitions older than DBWATCH_BASELINE_WINDOW and forgets baseline sightings as old. Only
 * enqueues and drops whole partitions; safe on several workers at once (job ids keyed by minute).
 */
@Injectable()
export class DbwatchMaintenanceTick extends IntervalTick {
  constructor(
    registry: SchedulerRegistry,
    private readonly mailer: AlertMailer,
    private readonly events: LoginEventRepository,
    private readonly baselines: BaselineRepository,
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {
    super(registry, 'dbwatch-maintenance', INTERVAL_MS);
  }

  protected async run(): Promise<void> {
    const now = Date.now();
    const minute = Math.floor(now / 60_000);
    for (const o of await this.mailer.overdue(new Date(now - MAIL_GRACE_MS)))
      await this.queues.enqueue({
        queue: QueueName.DBWATCH,
        name: 'dbwatch.alert-mail',
        data: o,
        jobId: `dbwatch-mail-${o.serverId}-${o.alertType}-m${minute}`,
      });
    const before = new Date(now - this.cfg.DBWATCH_BASELINE_WINDOW);
    const dropped = await this.events.dropBefore(before);
    if (dropped.length) this.logger.log({ dropped }, 'old login-event partitions dropped');
    await this.baselines.pruneBefore(before);
  }
}
