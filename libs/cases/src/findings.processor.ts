import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { fieldPath } from '@sg/common';
import { QueueName } from '@sg/queues';
import { findingDocumentSchema } from './finding.schema';
import { FindingsBatcher } from './findings-batcher.service';
import type { IngestSummary } from './open-case.service';
import { settleWorkerConnections } from '@sg/queues';

/**
 * Consumes the "findings" queue. Outcomes: a malformed job can never succeed (UnrecoverableError,
 * no retries); a database or Redis failure is thrown and retried with backoff; a redelivered
 * finding is simply found unchanged. Many jobs run at once so that the batcher can put the
 * findings that arrive together into one transaction.
 */
@Processor(QueueName.FINDINGS, { concurrency: 64 })
export class FindingsProcessor extends WorkerHost implements BeforeApplicationShutdown {
  constructor(private readonly batcher: FindingsBatcher) {
    super();
  }

  /** Runs before @nestjs/bullmq closes the worker (see settleWorkerConnections). */
  async beforeApplicationShutdown(): Promise<void> {
    await settleWorkerConnections(this.worker, 5000);
  }

  async process(job: Job): Promise<IngestSummary> {
    if (job.name !== 'finding.upsert') throw new UnrecoverableError(`unknown job ${job.name} on the findings queue`);
    const parsed = findingDocumentSchema.safeParse((job.data as { finding?: unknown } | null)?.finding);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UnrecoverableError(`bad finding: ${fieldPath(issue.path, 'finding')}: ${issue.message}`);
    }
    return this.batcher.add(parsed.data);
  }
}
