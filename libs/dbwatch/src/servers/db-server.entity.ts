import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type DbLogFormat = 'stderr' | 'csvlog' | 'jsonlog';

/** A managed PostgreSQL server whose logs dbwatch reads. */
@Entity('db_servers')
export class DbServerEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'subscription_id' })
  subscriptionId!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  host!: string | null;

  @Column('text', { name: 'log_format' })
  logFormat!: DbLogFormat;

  /** log_line_prefix of a stderr log; null means Debian's default `%m [%p] %q%u@%d `. */
  @Column('text', { name: 'log_line_prefix', nullable: true })
  logLinePrefix!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
