import { Module, type DynamicModule } from '@nestjs/common';
import { ImapPoller } from './inbound/imap.poller';
import { InboundSmtpServer } from './inbound/inbound-smtp.server';
import { MailReconcileTick } from './outbound/mail-reconcile.tick';
import { MailTransport } from './outbound/mail-transport';
import { MailProcessor } from './outbound/mail.processor';
import { OutboxReconciler } from './outbound/outbox-reconciler.service';

/**
 * Worker role: the "mail" queue consumer (SMTP out), the reconciler tick, the inbound SMTP
 * receiver and the optional IMAP poller. Needs ScheduleModule.forRoot() in the role's module and
 * MailModule.forRoot() once in the application (it is global).
 */
@Module({})
export class MailWorkerModule {
  static forRoot(): DynamicModule {
    return {
      module: MailWorkerModule,
      providers: [MailTransport, MailProcessor, OutboxReconciler, MailReconcileTick, InboundSmtpServer, ImapPoller],
      exports: [InboundSmtpServer, OutboxReconciler, MailReconcileTick, ImapPoller],
    };
  }
}
