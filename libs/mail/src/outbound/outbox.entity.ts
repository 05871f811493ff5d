import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed';

/**
 * One outbound mail, rendered when it was enqueued. `messageId` (without angle brackets) was fixed
 * then too, so every attempt sends the same message under the same Message-ID.
 */
@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Not a foreign key: cases are another domain's table. */
  @Column('uuid', { name: 'case_id', nullable: true })
  caseId!: string | null;

  @Column('text')
  template!: string;

  @Column('text', { array: true })
  recipients!: string[];

  @Column('text', { name: 'reply_to' })
  replyTo!: string;

  @Column('text')
  subject!: string;

  @Column('text')
  html!: string;

  @Column('text')
  text!: string;

  @Column('text', { name: 'message_id' })
  messageId!: string;

  @Column('text', { name: 'in_reply_to', nullable: true })
  inReplyTo!: string | null;

  @Column('text', { array: true })
  references!: string[];

  @Column('text')
  status!: OutboxStatus;

  @Column('int')
  attempts!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'last_attempt_at', nullable: true })
  lastAttemptAt!: Date | null;

  /** Recipients the SMTP server refused while it took the message for the others. */
  @Column('text', { name: 'rejected_recipients', array: true })
  rejectedRecipients!: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt!: Date | null;
}
