import { Injectable } from '@nestjs/common';
import type { MailThreadEntity } from '../outbound/mail-thread.entity';
import { MailThreadRepository } from '../outbound/mail-thread.repository';
import { OutboxRepository } from '../outbound/outbox.repository';
import type { CaseContact, CaseDirectory } from './case-directory';

const view = (t: MailThreadEntity | null): CaseContact | null =>
  t ? { caseId: t.caseId, caseNumber: t.caseNumber, contacts: t.contacts } : null;

/** The default CaseDirectory: mail_threads (kept by OutboxService) and the outbox's Message-IDs. */
@Injectable()
export class OutboxCaseDirectory implements CaseDirectory {
  constructor(
    private readonly threads: MailThreadRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async lookupByToken(token: string): Promise<CaseContact | null> {
    return view(await this.threads.findByToken(token));
  }

  async lookupByNumber(caseNumber: number): Promise<CaseContact | null> {
    return view(await this.threads.findByNumber(caseNumber));
  }

  async lookupByMessageId(messageId: string): Promise<CaseContact | null> {
    const root = await this.threads.findByRootMessageId(messageId);
    if (root) return view(root);
    const caseId = await this.outbox.caseOfMessageId(messageId);
    return caseId ? view(await this.threads.findByCase(caseId)) : null;
  }
}
