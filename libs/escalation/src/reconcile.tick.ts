import { Inject, Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { IntervalTick } from '@sg/queues';
import { EscalationSweep } from './escalation-sweep.service';

/**
 * Every ESCALATION_RECONCILE_INTERVAL (and once at start, to catch up after downtime): sweep.
 * The tick only enqueues; it may fire on several replicas at once, and the job ids keep the work
 * single. An overlapping tick is skipped rather than queued behind a slow one; at shutdown a sweep
 * in flight may finish, but a Redis that is down cannot hold the process.
 */
@Injectable()
export class ReconcileTick extends IntervalTick {
  constructor(
    registry: SchedulerRegistry,
    private readonly sweep: EscalationSweep,
    @Inject(APP_CONFIG) cfg: AppConfig,
  ) {
    super(registry, 'escalation-reconcile', cfg.ESCALATION_RECONCILE_INTERVAL);
  }

  protected async run(): Promise<void> {
    const r = await this.sweep.sweep();
    if (r.enqueued) this.logger.debug({ ...r }, 'reconciler re-enqueued due work');
  }
}
