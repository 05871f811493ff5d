import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { EscalationSweep } from './escalation-sweep.service';

const NAME = 'escalation-reconcile';

/**
 * Every ESCALATION_RECONCILE_INTERVAL (and once at start, to catch up after downtime): sweep.
 * The tick only enqueues; it may fire on several replicas at once, and the job ids keep the work
 * single. An overlapping tick is skipped rather than queued behind a slow one.
 */
@Injectable()
export class ReconcileTick implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcileTick.name);
  private running: Promise<void> | null = null;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly sweep: EscalationSweep,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.cfg.ESCALATION_RECONCILE_INTERVAL);
    timer.unref();
    this.registry.addInterval(NAME, timer);
    void this.tick();
  }

  /** Stops ticking; a sweep in flight may finish, but a Redis that is down cannot hold the process. */
  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', NAME)) this.registry.deleteInterval(NAME);
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.sweep
      .sweep()
      .then((r) => {
        if (r.enqueued) this.logger.debug({ ...r }, 'reconciler re-enqueued due work');
      })
      .catch((err: Error) => this.logger.warn(`reconciler sweep failed: ${err.message}`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
