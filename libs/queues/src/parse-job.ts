import { UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import { fieldPath } from '@sg/common';
import { JOB_CATALOGUE, type ParsedJob, type QueueName } from './job-catalogue';

/**
 * Checks a job taken from `queue` against the catalogue and returns its name and validated data
 * (switch on `name` to narrow `data`). A job of a name the queue does not carry, or whose data does
 * not fit its schema, can never succeed: it throws BullMQ's UnrecoverableError (no retries), with a
 * message naming the job and the first bad field, e.g. `bad finding.upsert job: finding.role: ...`.
 * Every processor starts with it.
 */
export function parseJob<Q extends QueueName>(queue: Q, job: { name: string; data: unknown }): ParsedJob<Q> {
  const schemas: Readonly<Record<string, z.ZodType>> = JOB_CATALOGUE[queue];
  if (!Object.hasOwn(schemas, job.name)) throw new UnrecoverableError(`unknown job ${job.name} on the ${queue} queue`);
  const parsed = schemas[job.name].safeParse(job.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? fieldPath(issue.path) : '(data)';
    throw new UnrecoverableError(`bad ${job.name} job: ${field}: ${issue.message}`);
  }
  return { name: job.name, data: parsed.data } as ParsedJob<Q>;
}
