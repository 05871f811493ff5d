import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { MailThreadEntity } from './mail-thread.entity';

interface ThreadRow {
  case_id: string;
  case_number: string;
  token: string;
  contacts: string[];
  root_message_id: string;
  created_at: Date;
  updated_at: Date;
  inserted: boolean;
}

const toEntity = (r: ThreadRow): MailThreadEntity =>
  Object.assign(new MailThreadEntity(), {
    caseId: r.case_id,
    caseNumber: Number(r.case_number),
    token: r.token,
    contacts: r.contacts,
    rootMessageId: r.root_message_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

/**
 * Per-case threads. The reply token is stored in clear, not hashed: every later mail of the case
 * must carry it again in Reply-To (so we need it back, not just a way to recognise it), and it is
 * no secret — it travels in every notice to every contact, in clear, and only routes a reply to a
 * case. Whether a reply is trusted is decided by the sender being a contact (verifiedSender), not
 * by knowing the token.
 */
@Injectable()
export class MailThreadRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  /**
   * The case's thread, created with the given token and root Message-ID if it has none yet (then
   * `created` is true and this mail is the root). Contacts accumulate: everyone ever written to
   * about the case may answer. Safe under concurrent first mails: one insert wins, the other reads it.
   */
  async ensure(
    m: EntityManager,
    t: { caseId: string; caseNumber: number; token: string; rootMessageId: string; contacts: string[] },
  ): Promise<{ thread: MailThreadEntity; created: boolean }> {
    const rows: ThreadRow[] = await m.query(
      `INSERT INTO mail_threads (case_id, case_number, token, contacts, root_message_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (case_id) DO UPDATE SET
         contacts = ARRAY(SELECT DISTINCT c FROM unnest(mail_threads.contacts || EXCLUDED.contacts) AS c ORDER BY c),
         updated_at = now()
       RETURNING *, (xmax = 0) AS inserted`,
      [t.caseId, t.caseNumber, t.token, [...new Set(t.contacts)].sort(), t.rootMessageId],
    );
    return { thread: toEntity(rows[0]), created: rows[0].inserted };
  }

  findByCase(caseId: string): Promise<MailThreadEntity | null> {
    return this.ds.getRepository(MailThreadEntity).findOneBy({ caseId });
  }

  findByToken(token: string): Promise<MailThreadEntity | null> {
    return this.ds.getRepository(MailThreadEntity).findOneBy({ token });
  }

  /** Case numbers are the cases module's; if one were ever reused, the newest thread wins. */
  findByNumber(caseNumber: number): Promise<MailThreadEntity | null> {
    return this.ds.getRepository(MailThreadEntity).findOne({ where: { caseNumber }, order: { createdAt: 'DESC' } });
  }

  findByRootMessageId(messageId: string): Promise<MailThreadEntity | null> {
    return this.ds.getRepository(MailThreadEntity).findOneBy({ rootMessageId: messageId });
  }
}
