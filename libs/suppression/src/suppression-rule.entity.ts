import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '@sg/db';
import type { FindingRole } from '@sg/queues';

/** An approved exception: findings it covers are recorded and open no case (see SuppressionMatcher). */
@Entity('suppression_rules')
export class SuppressionRuleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  scope!: 'vm' | 'deployment' | 'subscription';

  @Column('text', { name: 'scope_id' })
  scopeId!: string;

  @Column('text')
  kind!: string;

  @Column('text', { nullable: true })
  role!: FindingRole | null;

  @Column('text', { name: 'peer_prefixes', array: true })
  peerPrefixes!: string[];

  @Column('int', { array: true })
  ports!: number[];

  /** Why the responder approved it. */
  @Column('text')
  reason!: string;

  /** The owner's description of what normal traffic looks like. */
  @Column('text')
  description!: string;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Column('uuid', { name: 'created_from_case', nullable: true })
  createdFromCase!: string | null;

  @Column('text', { name: 'created_by' })
  createdBy!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @Column('text', { name: 'revoked_by', nullable: true })
  revokedBy!: string | null;

  @Column('bigint', { name: 'matched_count', transformer: bigintNumber })
  matchedCount!: number;

  @Column('timestamptz', { name: 'last_matched_at', nullable: true })
  lastMatchedAt!: Date | null;
}
