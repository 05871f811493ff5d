import { Global, Module } from '@nestjs/common';
import { CASE_NOTIFIER, CasesModule } from '@sg/cases';
import { InventoryQueryModule } from '@sg/inventory';
import { MailModule } from '@sg/mail';
import { CaseReplyHandler } from './case-reply-handler';
import { MailCaseNotifier } from './mail-case-notifier';

/**
 * The bridge between cases and mail, wired in by apps/ (api, worker): cases' notices go out as
 * e-mail (CASE_NOTIFIER = MailCaseNotifier) and owners' replies act on their case (mail's
 * REPLY_HANDLER = CaseReplyHandler, through MailModule.forRoot's extension point). Global, so the
 * cases module of every role finds CASE_NOTIFIER; without this module cases and mail each fall
 * back to a logging adapter.
 */
@Global()
@Module({
  imports: [
    CasesModule,
    InventoryQueryModule,
    MailModule.forRoot({ imports: [CasesModule], replyHandler: CaseReplyHandler }),
  ],
  providers: [MailCaseNotifier, { provide: CASE_NOTIFIER, useExisting: MailCaseNotifier }],
  exports: [CASE_NOTIFIER],
})
export class CaseMailModule {}
