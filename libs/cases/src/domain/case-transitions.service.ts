import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CasePolicy } from './case-policy';
import { assertTransition } from './case-state-machine';
import { isClosed, REMINDER_STATUSES, type CaseResolution, type CaseStatus } from './case-status';
import type {
  CaseTimelineEntryEntity,
  TimelineActor,
  TimelineVisibility,
} from '../persistence/case-timeline-entry.entity';
import type { CaseEntity } from '../persistence/case.entity';
import { CaseRepository } from '../persistence/case.repository';

export interface CaseChange {
  actor: TimelineActor;
  actorId?: string | null;
  reason: string;
  details?: Record<string, unknown>;
  /** Default `customer`: status changes are the owner's business too. */
  visibility?: TimelineVisibility;
  /** Default `transition`. */
  type?: string;
  /** Other columns that change with the status (deadline, counters...). */
  patch?: Partial<CaseEntity>;
  /** Required when moving to `closed`; implied by the other closed statuses. */
  resolution?: CaseResolution;
}

export type TimelineNote = Omit<CaseChange, 'patch' | 'resolution'> & { type: string };

const IMPLIED_RESOLUTION: Partial<Record<CaseStatus, CaseResolution>> = {
  mitigated: 'mitigated',
  resolved: 'true-positive',
  'false-positive': 'false-positive',
};

/**
 * The only place a case's status changes: checks the move against the state machine, keeps the
 * columns that follow from the status consistent (closed_at/resolution, hold, reminders), and
 * writes the timeline entry — all on the caller's transaction, which holds the case row locked.
 */
@Injectable()
export class CaseTransitions {
  constructor(
    private readonly repo: CaseRepository,
    private readonly policy: CasePolicy,
  ) {}

  async apply(m: EntityManager, c: CaseEntity, to: CaseStatus, change: CaseChange): Promise<CaseEntity> {
    return (await this.applyMany(m, [{ c, to, change }]))[0];
  }

  /** Several cases at once (one UPDATE, one INSERT of timeline entries); each move is checked alone. */
  async applyMany(
    m: EntityManager,
    items: { c: CaseEntity; to: CaseStatus; change: CaseChange }[],
  ): Promise<CaseEntity[]> {
    const now = new Date();
    const written = new Set<keyof CaseEntity>(['status']);
    const entries: Partial<CaseTimelineEntryEntity>[] = [];
    for (const { c, to, change } of items) {
      assertTransition(c.status, to);
      const patch = this.patchFor(c, to, change, now);
      for (const k of Object.keys(patch) as (keyof CaseEntity)[]) written.add(k);
      entries.push({
        caseId: c.id,
        actor: change.actor,
        actorId: change.actorId ?? null,
        type: change.type ?? 'transition',
        fromStatus: c.status,
        toStatus: to,
        reason: change.reason,
        details: change.details ?? {},
        visibility: change.visibility ?? 'customer',
      });
      Object.assign(c, patch, { updatedAt: now });
    }
    await this.repo.updateMany(
      m,
      items.map((i) => i.c),
      [...written],
    );
    await this.repo.addTimelineMany(m, entries);
    return items.map((i) => i.c);
  }

  /** The columns that follow from moving `c` to `to`: closing, reopening, hold and reminders. */
  private patchFor(c: CaseEntity, to: CaseStatus, change: CaseChange, now: Date): Partial<CaseEntity> {
    const patch: Partial<CaseEntity> = { ...change.patch, status: to };
    if (isClosed(to)) {
      const resolution = change.resolution ?? IMPLIED_RESOLUTION[to];
      if (!resolution) throw new Error(`a resolution is required to move a case to ${to}`);
      Object.assign(patch, {
        closedAt: now,
        resolution,
        heldAt: null,
        heldBy: null,
        holdReason: null,
        pendingRequest: null,
      });
    } else if (c.closedAt) {
      Object.assign(patch, { closedAt: null, resolution: null });
    }
    if (!('nextReminderAt' in patch)) {
      // Reminders run only while the owner has been told and has nothing pending; coming back to
      // such a status picks up the next reminder still ahead, never one already missed.
      patch.nextReminderAt = REMINDER_STATUSES.includes(to)
        ? this.policy.nextReminderAt(
            patch.deadlineSetAt ?? c.deadlineSetAt,
            patch.deadlineAt === undefined ? c.deadlineAt : patch.deadlineAt,
            now.getTime(),
          )
        : null;
    }
    return patch;
  }

  /** A timeline entry without a status change (note, hold, request, wait, failure...). */
  record(m: EntityManager, c: CaseEntity, note: TimelineNote): Promise<CaseTimelineEntryEntity> {
    return this.repo.addTimeline(m, {
      caseId: c.id,
      actor: note.actor,
      actorId: note.actorId ?? null,
      type: note.type,
      fromStatus: c.status,
      toStatus: c.status,
      reason: note.reason,
      details: note.details ?? {},
      visibility: note.visibility ?? 'customer',
    });
  }
}
