import { Column, Entity, PrimaryColumn } from 'typeorm';

export type RecipientStatus = 'ok' | 'failing';

/** Whether mail to an address bounces (a DSN, or a permanent refusal by the SMTP server). */
@Entity('mail_recipient_states')
export class RecipientStateEntity {
  /** Lower-cased. */
  @PrimaryColumn('text')
  address!: string;

  @Column('text')
  status!: RecipientStatus;

  @Column('int')
  failures!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'last_failed_at', nullable: true })
  lastFailedAt!: Date | null;

  /** Last time the address proved to work: a reply from it. */
  @Column('timestamptz', { name: 'last_ok_at', nullable: true })
  lastOkAt!: Date | null;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
