import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DeploymentActionKind } from './deployment-control.provider';

export type DeploymentActionStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/**
 * A shutdown or restart request, stored with its Idempotency-Key and exact body before the first
 * call goes out (see the migration). `attempts > 0`: it may have reached the control plane.
 */
@Entity('deployment_actions')
export class DeploymentActionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'case_id' })
  caseId!: string;

  @Column('text')
  action!: DeploymentActionKind;

  /** 1 for a case's first shutdown (or restart), 2 for the next... */
  @Column('int')
  seq!: number;

  @Column('text', { name: 'deployment_id' })
  deploymentId!: string;

  @Column('text', { name: 'vm_ids', array: true })
  vmIds!: string[];

  @Column('text', { name: 'idempotency_key' })
  idempotencyKey!: string;

  @Column('text')
  body!: string;

  @Column('timestamptz', { name: 'requested_at' })
  requestedAt!: Date;

  @Column('text', { name: 'requested_by' })
  requestedBy!: string;

  @Column('text')
  status!: DeploymentActionStatus;

  @Column('text', { nullable: true })
  provider!: string | null;

  @Column('int')
  attempts!: number;

  @Column('timestamptz', { name: 'last_attempt_at', nullable: true })
  lastAttemptAt!: Date | null;

  @Column('int', { name: 'last_status_code', nullable: true })
  lastStatusCode!: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
