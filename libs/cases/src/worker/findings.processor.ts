import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { parseJob, QueueName, closeWorkerBeforeQueues, WORKER_CLOSE_GRACE_MS } from '@sg/queues';
import { FindingsBatcher } from './findings-batcher.service';
import type { IngestSummary } from '../domain/open-case.service';

/**
 * Consumes the "findings" queue. Outcomes: a malformed job can never succeed (UnrecoverableError,
 * no retries); a database or Redis failure is thrown and retried with backoff; a redelivered
 * finding is simply found unchanged. Many jobs run at once so that the batcher can put the
 * findings that arrive together into one transaction.
 */
@Processor(QueueName.FINDINGS, { concurrency: 64 })
export class FindingsProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(FindingsProcessor.name);

  constructor(private readonly batcher: FindingsBatcher) {
    super();
  }

  /** Closes the worker before the queues' connections go (see closeWorkerBeforeQueues). */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorkerBeforeQueues(this.worker, WORKER_CLOSE_GRACE_MS, this.logger);
  }

  async process(job: Job): Promise<IngestSummary> {
    const { data } = parseJob(QueueName.FINDINGS, job);
    return this.batcher.add(data.finding);
  }
}
