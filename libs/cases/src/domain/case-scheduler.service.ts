import { Injectable, Logger } from '@nestjs/common';
import { jobOptions, QueueName, QueueService, type AnyJobRequest } from '@sg/queues';
import type { DueCase } from '../persistence/case.repository';
import { ACTION_PENDING_STATUSES, DEADLINE_STATUSES, REMINDER_STATUSES } from './case-status';

/** The columns scheduling reads: the reconciler's due-work row, which a full CaseEntity also fits. */
export type SchedulableCase = DueCase;

/** A job of the catalogue, always with its derived id and a delay. */
type PlannedJob = AnyJobRequest & { jobId: string; delayMs: number };

/**
 * Turns a case's row into the jobs it needs, with ids derived from the row — so enqueueing is
 * idempotent and may be repeated by anyone (the service after a change, the reconciler on every
 * tick, two replicas at once):
 * - `deadline:<case>:<deadline ms>:<round>` — a moved deadline makes a new job and leaves the old
 *   one to find a different deadline and do nothing; the round changes when escalation may act
 *   again on the same deadline (hold released, request decided);
 * - `reminder:<case>:<reminder ms>`;
 * - `shutdown:<case>:<n>` / `restart:<case>:<n>` — the n-th control-plane request of the case.
 * (jobOptions stores them with '.' for ':', which BullMQ reserves; `storedJobId` gives that form.)
 * Enqueueing never throws: PostgreSQL holds the truth and the reconciler re-enqueues what Redis
 * did not take.
 */
@Injectable()
export class CaseScheduler {
  private readonly logger = new Logger(CaseScheduler.name);

  constructor(private readonly queues: QueueService) {}

  static deadlineJobId(c: Pick<SchedulableCase, 'id' | 'deadlineAt' | 'escalationRound'>): string {
    return `deadline:${c.id}:${c.deadlineAt!.getTime()}:${c.escalationRound}`;
  }

  /** The id as BullMQ stores it (jobOptions' form), for looking a job up or removing it. */
  static storedJobId(queue: QueueName, jobId: string): string {
    return jobOptions(queue, jobId).jobId!;
  }

  plan(c: SchedulableCase, now = Date.now()): PlannedJob[] {
    const jobs: PlannedJob[] = [];
    if (DEADLINE_STATUSES.includes(c.status) && c.deadlineAt && !c.heldAt) {
      jobs.push({
        queue: QueueName.ESCALATION,
        name: 'escalation.deadline',
        data: { caseId: c.id, deadlineAt: c.deadlineAt.toISOString(), round: c.escalationRound },
        jobId: CaseScheduler.deadlineJobId(c),
        delayMs: c.deadlineAt.getTime() - now,
      });
    }
    if (REMINDER_STATUSES.includes(c.status) && c.nextReminderAt && !c.heldAt) {
      jobs.push({
        queue: QueueName.ESCALATION,
        name: 'escalation.reminder',
        data: { caseId: c.id, remindAt: c.nextReminderAt.toISOString() },
        jobId: `reminder:${c.id}:${c.nextReminderAt.getTime()}`,
        delayMs: c.nextReminderAt.getTime() - now,
      });
    }
    if (ACTION_PENDING_STATUSES.includes(c.status) && c.pendingActionId) {
      const shutdown = c.status === 'shutdown-pending';
      jobs.push({
        queue: QueueName.DEPLOYMENT_CONTROL,
        name: shutdown ? 'deployment.shutdown' : 'deployment.restart',
        data: { caseId: c.id, actionId: c.pendingActionId },
        jobId: shutdown ? `shutdown:${c.id}:${c.shutdownCount}` : `restart:${c.id}:${c.restartCount}`,
        delayMs: 0,
      });
    }
    return jobs;
  }

  /** Enqueues what the cases need now (bulk per queue). Returns how many jobs were handed to Redis. */
  async sync(cases: SchedulableCase[]): Promise<number> {
    const now = Date.now();
    const byQueue = new Map<QueueName, PlannedJob[]>();
    for (const c of cases) {
      for (const j of this.plan(c, now)) {
        const list = byQueue.get(j.queue) ?? [];
        list.push(j);
        byQueue.set(j.queue, list);
      }
    }
    let n = 0;
    for (const [queue, jobs] of byQueue) {
      try {
        await this.queues.enqueueBulk(jobs);
        n += jobs.length;
      } catch (err) {
        this.logger.warn(
          { queue, jobs: jobs.length, err: (err as Error).message },
          'could not enqueue case jobs; the reconciler will retry',
        );
      }
    }
    return n;
  }

  /** Best effort: drops a deadline job that can only be a no-op now (it would also no-op by itself). */
  async dropDeadline(c: Pick<SchedulableCase, 'id' | 'deadlineAt' | 'escalationRound'>): Promise<void> {
    if (!c.deadlineAt) return;
    await this.queues
      .queue(QueueName.ESCALATION)
      .remove(CaseScheduler.storedJobId(QueueName.ESCALATION, CaseScheduler.deadlineJobId(c)))
      .catch(() => undefined);
  }

  /** An early re-check after the owner reports a fix (one per report). */
  async recheckSoon(caseId: string, reportId: string): Promise<void> {
    await this.queues
      .enqueue({
        queue: QueueName.ESCALATION,
        name: 'escalation.recheck',
        data: { caseId, reason: 'the owner reported the problem fixed' },
        jobId: `recheck:${caseId}:${reportId}`,
      })
      .catch((err: Error) => this.logger.warn({ caseId, err: err.message }, 'could not enqueue a re-check'));
  }
}
