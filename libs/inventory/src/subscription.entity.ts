import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('subscriptions')
export class SubscriptionEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  name!: string;

  /** Owner contact e-mails: who receives red e-mails and whose replies are trusted. */
  @Column('text', { array: true, default: () => "'{}'" })
  contacts!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
