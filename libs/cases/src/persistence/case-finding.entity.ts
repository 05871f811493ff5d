import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { FindingDocument, FindingStatus } from '@sg/queues';

/**
 * Every finding received, by its id, with the latest document and the case it counts in (none when
 * an exception suppressed it). Keeping the last document per finding is what makes merging
 * idempotent: an update replaces the finding's earlier contribution to the case's evidence.
 */
@Entity('case_findings')
export class CaseFindingEntity {
  @PrimaryColumn('text', { name: 'finding_id' })
  findingId!: string;

  @Column('uuid', { name: 'case_id', nullable: true })
  caseId!: string | null;

  @Column('text', { name: 'vm_id' })
  vmId!: string;

  @Column('text')
  role!: string;

  @Column('text')
  kind!: string;

  @Column('text', { name: 'rule_name' })
  ruleName!: string;

  @Column('text')
  status!: FindingStatus;

  @Column('timestamptz', { name: 'first_seen' })
  firstSeen!: Date;

  @Column('timestamptz', { name: 'last_seen' })
  lastSeen!: Date;

  @Column('text', { name: 'suppressed_rule_id', nullable: true })
  suppressedRuleId!: string | null;

  @Column('jsonb')
  document!: FindingDocument;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
