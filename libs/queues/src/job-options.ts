import type { JobsOptions } from 'bullmq';
import type { QueueName } from './job-catalogue';

/**
 * The one place that builds job options: attempts, backoff and retention per queue.
 * Mail and deployment control talk to outside servers that may be down for a while, so they
 * retry longer; everything keeps its failures for inspection.
 */
const PER_QUEUE: Record<QueueName, JobsOptions> = {
  findings: { attempts: 10, backoff: { type: 'exponential', delay: 500 } },
  mail: { attempts: 25, backoff: { type: 'exponential', delay: 2_000 } },
  escalation: { attempts: 10, backoff: { type: 'exponential', delay: 1_000 } },
  'deployment-control': { attempts: 12, backoff: { type: 'exponential', delay: 1_000 } },
  dbwatch: { attempts: 10, backoff: { type: 'exponential', delay: 1_000 } },
};

export function jobOptions(queue: QueueName, jobId?: string, delayMs?: number): JobsOptions {
  return {
    ...PER_QUEUE[queue],
    // BullMQ refuses ':' in custom ids (it separates key parts), so `shutdown:${id}` becomes `shutdown.${id}`.
    ...(jobId ? { jobId: jobId.replace(/:/g, '.') } : {}),
    ...(delayMs && delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}),
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
