import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mail (libs/mail): outbound mail as an outbox, per-case threads, recipients that bounce, and the
 * replies received. case_id is never a foreign key: cases are another domain's table, and mail
 * knows a case only by id and number.
 *
 * - mail_threads: one row per case that has been mailed. `token` is the case's reply address
 *   (case+<token>@MAIL_REPLY_DOMAIN); it is stored in clear because every mail of the case must
 *   carry it again and every reply must be matched by it (see mail-thread.repository.ts).
 *   `root_message_id` is the Message-ID of the case's first mail: later mails answer to it.
 * - outbox: every mail, rendered at enqueue time with its Message-ID, so a retry sends the same
 *   bytes under the same Message-ID. PostgreSQL is the source of truth; the BullMQ job only says
 *   "send this row now".
 * - mail_recipient_states: addresses that bounced (DSN or permanent SMTP refusal).
 * - inbound_messages: every reply as received (raw capped), with how it was read and matched.
 */
export class CreateMail1764000002000 implements MigrationInterface {
  name = 'CreateMail1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mail_threads (
        case_id uuid PRIMARY KEY,
        case_number bigint NOT NULL CHECK (case_number > 0),
        token text NOT NULL UNIQUE,
        contacts text[] NOT NULL DEFAULT '{}',
        root_message_id text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mail_threads_case_number_idx ON mail_threads (case_number)`);

    await q.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid,
        template text NOT NULL,
        recipients text[] NOT NULL CHECK (cardinality(recipients) > 0),
        reply_to text NOT NULL,
        subject text NOT NULL,
        html text NOT NULL,
        text text NOT NULL,
        message_id text NOT NULL UNIQUE,
        in_reply_to text,
        "references" text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        last_attempt_at timestamptz,
        rejected_recipients text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_case_idx ON outbox (case_id, created_at)`);
    // The reconciler's scan: only unfinished rows, which are few.
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (created_at) WHERE status IN ('queued', 'sending')`);

    await q.query(`
      CREATE TABLE mail_recipient_states (
        address text PRIMARY KEY CHECK (address = lower(address)),
        status text NOT NULL CHECK (status IN ('ok', 'failing')),
        failures int NOT NULL DEFAULT 0,
        last_error text,
        last_failed_at timestamptz,
        last_ok_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE inbound_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        received_at timestamptz NOT NULL DEFAULT now(),
        via text NOT NULL CHECK (via IN ('smtp', 'imap')),
        envelope_from text,
        envelope_to text[] NOT NULL DEFAULT '{}',
        remote_address text,
        raw bytea NOT NULL,
        raw_size int NOT NULL,
        raw_truncated boolean NOT NULL,
        raw_sha256 char(64) NOT NULL UNIQUE,
        message_id text,
        headers jsonb NOT NULL DEFAULT '[]',
        from_address text,
        to_addresses text[] NOT NULL DEFAULT '{}',
        subject text,
        sent_at timestamptz,
        text text,
        reply_text text,
        case_id uuid,
        matched_by text CHECK (matched_by IN ('token', 'subject', 'thread')),
        classification text NOT NULL
          CHECK (classification IN ('bounce', 'auto-reply', 'extension', 'exception', 'fixed', 'other', 'unparseable')),
        reason text NOT NULL,
        decision jsonb,
        handled_at timestamptz,
        handle_attempts int NOT NULL DEFAULT 0,
        handle_error text
      )`);
    await q.query(`CREATE INDEX inbound_messages_case_idx ON inbound_messages (case_id, received_at)`);
    await q.query(
      `CREATE INDEX inbound_messages_unhandled_idx ON inbound_messages (received_at) WHERE handled_at IS NULL AND decision IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbound_messages`);
    await q.query(`DROP TABLE mail_recipient_states`);
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP TABLE mail_threads`);
  }
}
