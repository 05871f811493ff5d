import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type DbAlertSeverity = 'low' | 'medium' | 'high';

/** A server's threat-protection policy; a server without a row has the defaults below. */
@Entity('db_server_policies')
export class DbServerPolicyEntity {
  @PrimaryColumn('text', { name: 'server_id' })
  serverId!: string;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @Column('text', { array: true, default: () => "'{}'" })
  recipients!: string[];

  @Column('boolean', { name: 'notify_subscription_contacts', default: true })
  notifySubscriptionContacts!: boolean;

  @Column('text', { name: 'disabled_alert_types', array: true, default: () => "'{}'" })
  disabledAlertTypes!: string[];

  @Column('text', { name: 'min_severity', default: 'low' })
  minSeverity!: DbAlertSeverity;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
