import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { rawQuery } from '@sg/db';
import { InboundMessageEntity } from './inbound-message.entity';
import type { ReplyDecision } from './reply-decision';

export type NewInboundMessage = Omit<
  InboundMessageEntity,
  'receivedAt' | 'handledAt' | 'handleAttempts' | 'handleError'
>;

/** Received messages. Identical bytes are one message (a sender's retry after a lost 250). */
@Injectable()
export class InboundMessageRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  /** Row and decision in one statement. Null when a message with the same bytes is already stored. */
  async insert(row: NewInboundMessage, receivedAt: Date): Promise<InboundMessageEntity | null> {
    const result = await this.ds
      .createQueryBuilder()
      .insert()
      .into(InboundMessageEntity)
      .values({ ...row, receivedAt, handleAttempts: 0 })
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (result.raw as { id: string }[])[0]?.id;
    return id ? this.findById(id) : null;
  }

  findById(id: string): Promise<InboundMessageEntity | null> {
    return this.ds.getRepository(InboundMessageEntity).findOneBy({ id });
  }

  findBySha(sha: string): Promise<InboundMessageEntity | null> {
    return this.ds.getRepository(InboundMessageEntity).findOneBy({ rawSha256: sha });
  }

  /** Messages of a case, oldest first. */
  findByCase(caseId: string): Promise<InboundMessageEntity[]> {
    return this.ds.getRepository(InboundMessageEntity).find({ where: { caseId }, order: { receivedAt: 'ASC' } });
  }

  async rawOf(id: string): Promise<Buffer | null> {
    const rows: { raw: Buffer }[] = await this.ds.query(`SELECT raw FROM inbound_messages WHERE id = $1`, [id]);
    return rows[0]?.raw ?? null;
  }

  /** Counts an attempt to hand the decision over. */
  async startHandling(id: string): Promise<void> {
    await this.ds.query(`UPDATE inbound_messages SET handle_attempts = handle_attempts + 1 WHERE id = $1`, [id]);
  }

  async markHandled(id: string): Promise<void> {
    await this.ds.query(`UPDATE inbound_messages SET handled_at = now(), handle_error = NULL WHERE id = $1`, [id]);
  }

  async markHandleFailed(id: string, error: string): Promise<void> {
    await this.ds.query(`UPDATE inbound_messages SET handle_error = $2 WHERE id = $1`, [id, error.slice(0, 2000)]);
  }

  /**
   * Claims decisions not handled since `before` (fewer than `maxAttempts` tries): counts the
   * attempt in the same statement, skipping rows another worker is claiming right now.
   */
  async claimUnhandled(
    before: Date,
    maxAttempts: number,
    limit: number,
  ): Promise<{ id: string; decision: ReplyDecision }[]> {
    return rawQuery<{ id: string; decision: ReplyDecision }>(
      this.ds,
      `UPDATE inbound_messages SET handle_attempts = handle_attempts + 1
        WHERE id IN (
          SELECT id FROM inbound_messages
           WHERE handled_at IS NULL AND decision IS NOT NULL AND handle_attempts < $2 AND received_at < $1
           ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, decision`,
      [before, maxAttempts, limit],
    );
  }
}
