import { Module, type DynamicModule, type ModuleMetadata, type Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CASE_DIRECTORY, type CaseDirectory } from './inbound/case-directory';
import { InboundMailService } from './inbound/inbound-mail.service';
import { InboundMessageEntity } from './inbound/inbound-message.entity';
import { InboundMessageRepository } from './inbound/inbound-message.repository';
import { LoggingReplyHandler } from './inbound/logging-reply-handler';
import { OutboxCaseDirectory } from './inbound/outbox-case-directory';
import { REPLY_HANDLER, type ReplyHandler } from './inbound/reply-handler';
import { MailThreadEntity } from './outbound/mail-thread.entity';
import { MailThreadRepository } from './outbound/mail-thread.repository';
import { OutboxEntity } from './outbound/outbox.entity';
import { OutboxRepository } from './outbound/outbox.repository';
import { OutboxService } from './outbound/outbox.service';
import { RecipientStateEntity } from './outbound/recipient-state.entity';
import { RecipientStateRepository } from './outbound/recipient-state.repository';
import { TemplateRenderer } from './templates/template-renderer';

export interface MailModuleOptions {
  /** Modules the ports' implementations need (e.g. the cases module, for @sg/case-mail's reply handler). */
  imports?: ModuleMetadata['imports'];
  /** Replaces the default CaseDirectory (mail's own threads). */
  caseDirectory?: Type<CaseDirectory>;
  /** Replaces the default ReplyHandler (LoggingReplyHandler, a log line). */
  replyHandler?: Type<ReplyHandler>;
}

/**
 * Mail for any role: templates, the outbox (OutboxService.enqueue), and the reading of replies
 * (InboundMailService). No queue consumer, SMTP listener or tick here: MailWorkerModule adds
 * those to the worker role. The two ports default to mail's own implementations; a bridge
 * (@sg/case-mail) passes its own through forRoot. Mail never imports cases.
 */
@Module({})
export class MailModule {
  static forRoot(options: MailModuleOptions = {}): DynamicModule {
    return {
      module: MailModule,
      // One instance per application, shared by every role (notices are queued through it, the
      // worker's SMTP receiver hands replies to the REPLY_HANDLER given here).
      global: true,
      imports: [
        TypeOrmModule.forFeature([OutboxEntity, MailThreadEntity, RecipientStateEntity, InboundMessageEntity]),
        ...(options.imports ?? []),
      ],
      providers: [
        // Compiled once, at start: a broken template stops the process before any mail is due.
        { provide: TemplateRenderer, useFactory: () => new TemplateRenderer() },
        OutboxRepository,
        MailThreadRepository,
        RecipientStateRepository,
        InboundMessageRepository,
        OutboxService,
        InboundMailService,
        { provide: CASE_DIRECTORY, useClass: options.caseDirectory ?? OutboxCaseDirectory },
        { provide: REPLY_HANDLER, useClass: options.replyHandler ?? LoggingReplyHandler },
      ],
      exports: [
        TemplateRenderer,
        OutboxService,
        InboundMailService,
        OutboxRepository,
        MailThreadRepository,
        RecipientStateRepository,
        InboundMessageRepository,
        CASE_DIRECTORY,
        REPLY_HANDLER,
      ],
    };
  }
}
