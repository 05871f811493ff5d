import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { settleWorkerConnections } from '@sg/queues';
import { QueueName } from '@sg/queues';
import { EscalationService } from './escalation.service';

const deadlineJob = z.object({
  caseId: z.uuid(),
  deadlineAt: z.iso.datetime({ offset: true }),
  round: z.number().int().min(0),
});
const reminderJob = z.object({ caseId: z.uuid(), remindAt: z.iso.datetime({ offset: true }) });
const recheckJob = z.object({ caseId: z.uuid(), reason: z.string() });

function parse<T extends z.ZodType>(schema: T, job: Job): z.output<T> {
  const r = schema.safeParse(job.data);
  if (!r.success) throw new UnrecoverableError(`bad ${job.name} job: ${r.error.issues[0].message}`);
  return r.data;
}

/**
 * The "escalation" queue: deadlines, reminders, early re-checks. Outcomes: a stale or settled job
 * returns (nothing to do); a malformed one fails for good (UnrecoverableError); a database, Redis,
 * re-check or notifier failure is thrown and retried. A deadline job that runs early goes back to
 * the delayed set rather than acting before the deadline.
 */
@Processor(QueueName.ESCALATION, { concurrency: 8 })
export class EscalationProcessor extends WorkerHost implements BeforeApplicationShutdown {
  constructor(private readonly escalation: EscalationService) {
    super();
  }

  /** Runs before @nestjs/bullmq closes the worker (see settleWorkerConnections in @sg/cases). */
  async beforeApplicationShutdown(): Promise<void> {
    await settleWorkerConnections(this.worker, 5000);
  }

  async process(job: Job, token?: string): Promise<string> {
    switch (job.name) {
      case 'escalation.deadline': {
        const d = parse(deadlineJob, job);
        const deadlineMs = Date.parse(d.deadlineAt);
        const outcome = await this.escalation.deadline(
          d.caseId,
          { deadlineMs, round: d.round },
          job.attemptsMade === 0,
        );
        if (outcome === 'early' && token) {
          await job.moveToDelayed(deadlineMs, token);
          throw new DelayedError();
        }
        return outcome;
      }
      case 'escalation.reminder': {
        const r = parse(reminderJob, job);
        return this.escalation.reminder(r.caseId, Date.parse(r.remindAt));
      }
      case 'escalation.recheck':
        return this.escalation.recheck(parse(recheckJob, job).caseId);
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the escalation queue`);
    }
  }
}
