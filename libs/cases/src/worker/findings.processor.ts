import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { parseJob, QueueName, closeWorkerBeforeQueues, WORKER_CLOSE_GRACE_MS } from '@sg/queues';
import { FINDINGS_CONCURRENCY, FindingsBatcher } from './findings-batcher.service';
import type { IngestSummary } from '../domain/open-case.service';

/**
 * Consumes the "findings" queue. Outcomes: a malformed job can never succeed (UnrecoverableError,
 * no retries); a database or Redis failure is thrown and retried with backoff; a redelivered
 * finding is simply found unchanged. Many jobs run at once so that the batcher can put the
 * findings that arrive together into one transaction.
 *
 * A job holds its slot until its batch commits, so with slots for only one batch the worker
 * fetches nothing while a transaction runs. Twice FindingsBatcher's batch lets the next batch
 * gather during the commit of the one before: bench:cases through the queue went from ~730
 * findings/s (64 slots) to ~1,400 (512) and ~1,900 (1,024 with batches of 500). An active job is
 * a Redis lock renewed in bulk, so many slots cost little; if the worker dies, its active jobs are
 * redelivered after the stall check, and a redelivered finding changes nothing.
 */
@Processor(QueueName.FINDINGS, { concurrency: FINDINGS_CONCURRENCY })
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
