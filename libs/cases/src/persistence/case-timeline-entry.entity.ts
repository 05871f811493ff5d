import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TimelineActor = 'system' | 'responder' | 'customer';
/** `internal` entries (responder notes, holds) are never shown to customers. */
export type TimelineVisibility = 'internal' | 'customer';

/** One thing that happened to a case: a status change, a note, a request, a wait, a failure. */
@Entity('case_timeline')
export class CaseTimelineEntryEntity {
  /** bigserial: pg returns it as a string; ordering entries of one case by id is their order. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'case_id' })
  caseId!: string;

  @Column('timestamptz', { default: () => 'clock_timestamp()' })
  at!: Date;

  @Column('text')
  actor!: TimelineActor;

  @Column('text', { name: 'actor_id', nullable: true })
  actorId!: string | null;

  /** transition, note, assign, hold, release, request, reply, wait, action-failed, notice-failed */
  @Column('text')
  type!: string;

  @Column('text', { name: 'from_status', nullable: true })
  fromStatus!: string | null;

  @Column('text', { name: 'to_status', nullable: true })
  toStatus!: string | null;

  @Column('text')
  reason!: string;

  @Column('jsonb', { default: () => "'{}'" })
  details!: Record<string, unknown>;

  @Column('text')
  visibility!: TimelineVisibility;
}
