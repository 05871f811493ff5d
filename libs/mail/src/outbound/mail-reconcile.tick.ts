import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { InboundMailService } from '../inbound/inbound-mail.service';
import { OutboxReconciler } from './outbox-reconciler.service';

const NAME = 'mail-reconcile';

/**
 * Every MAIL_RECONCILE_INTERVAL, and once at start (to catch up after downtime): re-queue outbound
 * mail from PostgreSQL, and hand replies whose handler failed to the handler again. The tick only
 * enqueues and re-dispatches; it may run on several workers at once (job ids keep sends single,
 * and replies are claimed row by row). An overlapping tick is skipped.
 */
@Injectable()
export class MailReconcileTick implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailReconcileTick.name);
  private running: Promise<void> | null = null;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly outbox: OutboxReconciler,
    private readonly inbound: InboundMailService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.cfg.MAIL_RECONCILE_INTERVAL);
    timer.unref();
    this.registry.addInterval(NAME, timer);
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', NAME)) this.registry.deleteInterval(NAME);
    await this.running;
  }

  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const out = await this.outbox.sweep();
        if (out.enqueued + out.restarted + out.promoted) this.logger.log({ ...out }, 'mail reconciler re-queued mail');
        const replies = await this.inbound.redeliverUnhandled();
        if (replies) this.logger.log({ replies }, 'mail reconciler re-delivered replies');
      } catch (err) {
        this.logger.warn(`mail reconciler failed: ${(err as Error).message}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
