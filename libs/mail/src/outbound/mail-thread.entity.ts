import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '@sg/db';

/**
 * A case as mail knows it: its reply token, who was written to, and the Message-ID of its first
 * mail (the root every later mail of the case answers to, so a case is one conversation).
 */
@Entity('mail_threads')
export class MailThreadEntity {
  @PrimaryColumn('uuid', { name: 'case_id' })
  caseId!: string;

  @Column('bigint', { name: 'case_number', transformer: bigintNumber })
  caseNumber!: number;

  @Column('text')
  token!: string;

  /** Lower-cased addresses mailed about this case: the senders whose replies count as verified. */
  @Column('text', { array: true })
  contacts!: string[];

  @Column('text', { name: 'root_message_id' })
  rootMessageId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
