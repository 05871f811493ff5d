import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { FindingDirection, FindingRole, Severity } from '@sg/queues';
import { bigintNumber } from '@sg/db';
import type { CaseEvidence } from '../domain/case-evidence';
import type { CaseResolution, CaseStatus } from '../domain/case-status';

/** A customer's request waiting for a responder (cleared when a responder decides). */
export interface PendingRequest {
  type: 'extension' | 'exception';
  at: string;
  from: string;
  text: string;
  requestedMs?: number;
}

/**
 * One incident on one VM: a (vm, role, kind) has at most one open case (cases_one_open_uq).
 * Status changes only through CaseTransitions, which checks the state machine and writes the
 * timeline in the same transaction.
 */
@Entity('cases')
export class CaseEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Short reference for people (mail subject tags such as [SG-42]); assigned by PostgreSQL. */
  @Column({ type: 'bigint', insert: false, update: false, transformer: bigintNumber })
  number!: number;

  @Column('text', { name: 'vm_id' })
  vmId!: string;

  @Column('text', { name: 'deployment_id' })
  deploymentId!: string;

  @Column('text', { name: 'subscription_id' })
  subscriptionId!: string;

  @Column('text')
  role!: FindingRole;

  @Column('text')
  direction!: FindingDirection;

  @Column('text')
  kind!: string;

  @Column('text')
  severity!: Severity;

  @Column('text')
  status!: CaseStatus;

  @Column('text', { nullable: true })
  resolution!: CaseResolution | null;

  @Column('timestamptz', { name: 'opened_at' })
  openedAt!: Date;

  @Column('timestamptz', { name: 'notified_at', nullable: true })
  notifiedAt!: Date | null;

  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  /** Sources only; null for targets. */
  @Column('timestamptz', { name: 'deadline_at', nullable: true })
  deadlineAt!: Date | null;

  /** When the current deadline was set: reminders are placed between this and the deadline. */
  @Column('timestamptz', { name: 'deadline_set_at', nullable: true })
  deadlineSetAt!: Date | null;

  @Column('timestamptz', { name: 'original_deadline_at', nullable: true })
  originalDeadlineAt!: Date | null;

  @Column('timestamptz', { name: 'next_reminder_at', nullable: true })
  nextReminderAt!: Date | null;

  @Column('int', { name: 'reminders_sent' })
  remindersSent!: number;

  @Column('int', { name: 'extension_count' })
  extensionCount!: number;

  @Column('bigint', { name: 'extension_total_ms', transformer: bigintNumber })
  extensionTotalMs!: number;

  /**
   * Bumped whenever escalation may act again on an unchanged deadline (a hold released, a request
   * decided): part of the deadline job's id, so the new decision is not swallowed by the job that
   * already ran for the same deadline.
   */
  @Column('int', { name: 'escalation_round' })
  escalationRound!: number;

  @Column('timestamptz', { name: 'held_at', nullable: true })
  heldAt!: Date | null;

  @Column('text', { name: 'held_by', nullable: true })
  heldBy!: string | null;

  @Column('text', { name: 'hold_reason', nullable: true })
  holdReason!: string | null;

  @Column('text', { nullable: true })
  assignee!: string | null;

  @Column('jsonb', { name: 'pending_request', nullable: true })
  pendingRequest!: PendingRequest | null;

  @Column('uuid', { name: 'pending_action_id', nullable: true })
  pendingActionId!: string | null;

  @Column('int', { name: 'shutdown_count' })
  shutdownCount!: number;

  @Column('int', { name: 'restart_count' })
  restartCount!: number;

  @Column('text', { name: 'last_action_error', nullable: true })
  lastActionError!: string | null;

  @Column('timestamptz', { name: 'shut_down_at', nullable: true })
  shutDownAt!: Date | null;

  /** Findings seen after this moment mean the traffic came back after the restart. */
  @Column('timestamptz', { name: 'restarted_at', nullable: true })
  restartedAt!: Date | null;

  @Column('int', { name: 'reopen_count' })
  reopenCount!: number;

  @Column('uuid', { name: 'duplicate_of', nullable: true })
  duplicateOf!: string | null;

  @Column('jsonb')
  evidence!: CaseEvidence;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
