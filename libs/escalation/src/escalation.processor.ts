import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { parseJob, QueueName, closeWorkerBeforeQueues, WORKER_CLOSE_GRACE_MS } from '@sg/queues';
import { EscalationService } from './escalation.service';

/**
 * The "escalation" queue: deadlines, reminders, early re-checks. Outcomes: a stale or settled job
 * returns (nothing to do); a malformed one fails for good (UnrecoverableError); a database, Redis,
 * re-check or notifier failure is thrown and retried. A deadline job that runs early goes back to
 * the delayed set rather than acting before the deadline.
 */
@Processor(QueueName.ESCALATION, { concurrency: 8 })
export class EscalationProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EscalationProcessor.name);

  constructor(private readonly escalation: EscalationService) {
    super();
  }

  /** Closes the worker before the queues' connections go (see closeWorkerBeforeQueues). */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorkerBeforeQueues(this.worker, WORKER_CLOSE_GRACE_MS, this.logger);
  }

  async process(job: Job, token?: string): Promise<string> {
    const parsed = parseJob(QueueName.ESCALATION, job);
    switch (parsed.name) {
      case 'escalation.deadline': {
        const d = parsed.data;
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
      case 'escalation.reminder':
        return this.escalation.reminder(parsed.data.caseId, Date.parse(parsed.data.remindAt));
      case 'escalation.recheck':
        return this.escalation.recheck(parsed.data.caseId);
    }
  }
}
