import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { parseJob, QueueName, closeWorkerBeforeQueues, WORKER_CLOSE_GRACE_MS } from '@sg/queues';
import { MailTransport } from './mail-transport';
import { OutboxRepository } from './outbox.repository';
import { RecipientStateRepository } from './recipient-state.repository';
import { classifySmtpFailure } from './smtp-failure';

/**
 * The "mail" queue: sends one outbox row per job. The row, not the job, holds the message: the job
 * only names it, so a retry sends the stored bytes under the stored Message-ID.
 *
 * Outcomes: nothing to do (row sent, failed or gone) -> return; bad job or a permanent SMTP
 * refusal for every recipient -> UnrecoverableError (the row is marked failed first); anything
 * else -> throw, and BullMQ retries with the queue's backoff. A transient failure on the last
 * attempt leaves the row queued: the reconciler starts it over, so a long SMTP outage delays mail
 * but never drops it.
 */
@Processor(QueueName.MAIL, { concurrency: 4 })
export class MailProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly recipients: RecipientStateRepository,
    private readonly transport: MailTransport,
  ) {
    super();
  }

  /** Closes the worker before the queues' connections go (see closeWorkerBeforeQueues). */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorkerBeforeQueues(this.worker, WORKER_CLOSE_GRACE_MS, this.logger);
  }

  async process(job: Job): Promise<string> {
    const { outboxId } = parseJob(QueueName.MAIL, job).data;

    const row = await this.outbox.claim(outboxId);
    if (!row) return 'nothing to do';

    try {
      const result = await this.transport.send(row);
      const rejected = result.rejected.map((a) => a.toLowerCase());
      await this.outbox.markSent(row.id, rejected);
      if (rejected.length)
        await this.recipients.markFailing(rejected, `refused by the SMTP server: ${result.response}`);
      return `sent to ${result.accepted.length} recipient(s)`;
    } catch (err) {
      const failure = classifySmtpFailure(err);
      if (failure.permanent) {
        await this.outbox.markFailed(row.id, failure.message, failure.rejected);
        await this.recipients.markFailing(failure.rejected, failure.message);
        this.logger.warn({ outboxId, error: failure.message }, 'mail refused for good');
        throw new UnrecoverableError(failure.message);
      }
      await this.outbox.markRetrying(row.id, failure.message);
      this.logger.debug({ outboxId, attempt: job.attemptsMade + 1, error: failure.message }, 'mail not sent yet');
      throw err instanceof Error ? err : new Error(failure.message);
    }
  }
}
