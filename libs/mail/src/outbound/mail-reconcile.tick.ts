import { Inject, Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { IntervalTick } from '@sg/queues';
import { InboundMailService } from '../inbound/inbound-mail.service';
import { OutboxReconciler } from './outbox-reconciler.service';

/**
 * Every MAIL_RECONCILE_INTERVAL, and once at start (to catch up after downtime): re-queue outbound
 * mail from PostgreSQL, and hand replies whose handler failed to the handler again. The tick only
 * enqueues and re-dispatches; it may run on several workers at once (job ids keep sends single,
 * and replies are claimed row by row). An overlapping tick is skipped.
 */
@Injectable()
export class MailReconcileTick extends IntervalTick {
  constructor(
    registry: SchedulerRegistry,
    private readonly outbox: OutboxReconciler,
    private readonly inbound: InboundMailService,
    @Inject(APP_CONFIG) cfg: AppConfig,
  ) {
    super(registry, 'mail-reconcile', cfg.MAIL_RECONCILE_INTERVAL);
  }

  protected async run(): Promise<void> {
    const out = await this.outbox.sweep();
    if (out.enqueued + out.restarted + out.promoted) this.logger.log({ ...out }, 'mail reconciler re-queued mail');
    const replies = await this.inbound.redeliverUnhandled();
    if (replies) this.logger.log({ replies }, 'mail reconciler re-delivered replies');
  }
}
