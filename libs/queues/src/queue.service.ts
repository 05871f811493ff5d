import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName, type AnyJobRequest, type JobName, type JobRequest } from './job-catalogue';
import { jobOptions } from './job-options';

/** Typed enqueue over the catalogue's queues: every producer adds its jobs here. */
@Injectable()
export class QueueService {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.FINDINGS) findings: Queue,
    @InjectQueue(QueueName.MAIL) mail: Queue,
    @InjectQueue(QueueName.ESCALATION) escalation: Queue,
    @InjectQueue(QueueName.DEPLOYMENT_CONTROL) control: Queue,
    @InjectQueue(QueueName.DBWATCH) dbwatch: Queue,
  ) {
    this.queues = { findings, mail, escalation, 'deployment-control': control, dbwatch };
  }

  async enqueue<Q extends QueueName, N extends JobName<Q>>(req: JobRequest<Q, N>): Promise<string | undefined> {
    const job = await this.queues[req.queue].add(req.name, req.data, jobOptions(req.queue, req.jobId, req.delayMs));
    return job.id;
  }

  /**
   * Adds many jobs with one round trip per queue (BullMQ addBulk), queues in the order they first
   * appear. Throws on the first queue Redis refuses; the queues before it keep their jobs.
   */
  async enqueueBulk(reqs: readonly AnyJobRequest[]): Promise<void> {
    const byQueue = new Map<QueueName, AnyJobRequest[]>();
    for (const r of reqs) {
      const list = byQueue.get(r.queue);
      if (list) list.push(r);
      else byQueue.set(r.queue, [r]);
    }
    for (const [queue, list] of byQueue) {
      await this.queues[queue].addBulk(
        list.map((r) => ({ name: r.name, data: r.data, opts: jobOptions(queue, r.jobId, r.delayMs) })),
      );
    }
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }
}
