import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface MailOut {
  at: Date;
  template: string;
  status: string;
  recipients: string[];
  subject: string;
}

export interface MailIn {
  at: Date;
  from: string | null;
  text: string;
  /** The classified intent (extension, exception, fixed, other; bounce/auto-reply for machine mail). */
  intent: string;
  /** The sender is one of the case's contacts. */
  verified: boolean;
}

/**
 * A case's correspondence for the console's timeline: every e-mail out (outbox_case_idx) and every
 * reply in (inbound_messages_case_idx), read from mail's own tables. Fits the console's
 * CaseCorrespondence port, which apps wire to it.
 */
@Injectable()
export class MailHistoryReader {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async forCase(caseId: string): Promise<{ out: MailOut[]; in: MailIn[] }> {
    const [out, inbound] = await Promise.all([
      this.ds.query(
        `SELECT coalesce(sent_at, created_at) AS at, template, status, recipients, subject
           FROM outbox WHERE case_id = $1 ORDER BY created_at LIMIT 500`,
        [caseId],
      ) as Promise<MailOut[]>,
      this.ds.query(
        `SELECT received_at AS at, from_address AS "from", coalesce(reply_text, text, '') AS text, classification AS intent,
                coalesce((decision->>'verifiedSender')::boolean, false) AS verified
           FROM inbound_messages WHERE case_id = $1 ORDER BY received_at LIMIT 500`,
        [caseId],
      ) as Promise<MailIn[]>,
    ]);
    return { out, in: inbound };
  }
}
