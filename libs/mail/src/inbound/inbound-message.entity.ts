import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MatchedBy } from './case-matcher';
import type { ReplyDecision } from './reply-decision';

export type InboundClassification =
  'bounce' | 'auto-reply' | 'extension' | 'exception' | 'fixed' | 'other' | 'unparseable';

/** A received message: its raw bytes (capped), what was read from it, and what was decided. */
@Entity('inbound_messages')
export class InboundMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('text')
  via!: 'smtp' | 'imap';

  /** SMTP MAIL FROM ('' for the null sender), null when unknown (IMAP). */
  @Column('text', { name: 'envelope_from', nullable: true })
  envelopeFrom!: string | null;

  @Column('text', { name: 'envelope_to', array: true })
  envelopeTo!: string[];

  @Column('text', { name: 'remote_address', nullable: true })
  remoteAddress!: string | null;

  /** The first bytes of the message (see RAW_STORE_LIMIT); the whole is in raw_size/raw_sha256. */
  @Column('bytea', { select: false })
  raw!: Buffer;

  @Column('int', { name: 'raw_size' })
  rawSize!: number;

  @Column('boolean', { name: 'raw_truncated' })
  rawTruncated!: boolean;

  @Column('char', { name: 'raw_sha256', length: 64 })
  rawSha256!: string;

  @Column('text', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('jsonb')
  headers!: { key: string; value: string }[];

  @Column('text', { name: 'from_address', nullable: true })
  fromAddress!: string | null;

  @Column('text', { name: 'to_addresses', array: true })
  toAddresses!: string[];

  @Column('text', { nullable: true })
  subject!: string | null;

  /** The Date header. */
  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt!: Date | null;

  @Column('text', { nullable: true })
  text!: string | null;

  /** The owner's words: text without quoted history and signature. */
  @Column('text', { name: 'reply_text', nullable: true })
  replyText!: string | null;

  /** Not a foreign key: cases are another domain's table. */
  @Column('uuid', { name: 'case_id', nullable: true })
  caseId!: string | null;

  @Column('text', { name: 'matched_by', nullable: true })
  matchedBy!: MatchedBy | null;

  @Column('text')
  classification!: InboundClassification;

  /** Why: how it was matched, which signals made it automatic, which phrases decided the intent. */
  @Column('text')
  reason!: string;

  @Column('jsonb', { nullable: true })
  decision!: ReplyDecision | null;

  /** When the ReplyHandler took the decision (null: not yet, or it failed; the reconciler retries). */
  @Column('timestamptz', { name: 'handled_at', nullable: true })
  handledAt!: Date | null;

  @Column('int', { name: 'handle_attempts' })
  handleAttempts!: number;

  @Column('text', { name: 'handle_error', nullable: true })
  handleError!: string | null;
}
