import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { rawQuery } from '@sg/db';
import { OutboxEntity } from './outbox.entity';

export type NewOutboxRow = Pick<
  OutboxEntity,
  | 'caseId'
  | 'template'
  | 'recipients'
  | 'replyTo'
  | 'subject'
  | 'html'
  | 'text'
  | 'messageId'
  | 'inReplyTo'
  | 'references'
>;

/** Outbox queries. Status changes are single conditional UPDATEs, so two workers cannot both claim a row. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async insert(m: EntityManager, row: NewOutboxRow): Promise<OutboxEntity> {
    const repo = m.getRepository(OutboxEntity);
    const id = (await repo.insert({ ...row, status: 'queued', attempts: 0 })).identifiers[0].id as string;
    return repo.findOneByOrFail({ id });
  }

  findById(id: string): Promise<OutboxEntity | null> {
    return this.ds.getRepository(OutboxEntity).findOneBy({ id });
  }

  /** Mails of a case, oldest first. */
  findByCase(caseId: string): Promise<OutboxEntity[]> {
    return this.ds.getRepository(OutboxEntity).find({ where: { caseId }, order: { createdAt: 'ASC' } });
  }

  /** The case a Message-ID of ours belongs to (inbound thread matching). */
  async caseOfMessageId(messageId: string): Promise<string | null> {
    const rows: { case_id: string | null }[] = await this.ds.query(
      `SELECT case_id FROM outbox WHERE message_id = $1 AND case_id IS NOT NULL LIMIT 1`,
      [messageId],
    );
    return rows[0]?.case_id ?? null;
  }

  /**
   * Takes a row for an attempt: counts it and marks it sending. Null when there is nothing to do
   * (sent, failed for good, or gone).
   */
  async claim(id: string): Promise<OutboxEntity | null> {
    const rows = await rawQuery<{ id: string }>(
      this.ds,
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1, last_attempt_at = now()
        WHERE id = $1 AND status IN ('queued', 'sending') RETURNING id`,
      [id],
    );
    return rows.length ? this.findById(id) : null;
  }

  async markSent(id: string, rejected: string[]): Promise<void> {
    await this.ds.query(
      `UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL, rejected_recipients = $2 WHERE id = $1`,
      [id, rejected],
    );
  }

  /** A transient failure: the row waits for the next attempt. */
  async markRetrying(id: string, error: string): Promise<void> {
    await this.ds.query(`UPDATE outbox SET status = 'queued', last_error = $2 WHERE id = $1 AND status = 'sending'`, [
      id,
      error,
    ]);
  }

  async markFailed(id: string, error: string, rejected: string[]): Promise<void> {
    await this.ds.query(
      `UPDATE outbox SET status = 'failed', last_error = $2, rejected_recipients = $3 WHERE id = $1`,
      [id, error, rejected],
    );
  }

  /** Unfinished rows nothing has touched since `before`: the reconciler's work list. */
  async findStale(before: Date, limit: number): Promise<{ id: string; lastAttemptAt: Date | null }[]> {
    const rows: { id: string; last_attempt_at: Date | null }[] = await this.ds.query(
      `SELECT id, last_attempt_at FROM outbox
        WHERE status IN ('queued', 'sending') AND coalesce(last_attempt_at, created_at) < $1
        ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => ({ id: r.id, lastAttemptAt: r.last_attempt_at }));
  }
}
