import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName, type JobName, type JobRequest } from './job-catalogue';
import { jobOptions } from './job-options';

/** Typed enqueue over the catalogue's queues. */
@Injectable()
export class QueueService {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.FINDINGS) findings: Queue,
    @InjectQueue(QueueName.MAIL) mail: Queue,
    @InjectQueue(QueueName.ESCALATION) escalation: Queue,
    @InjectQueue(QueueName.DEPLOYMENT_CONTROL) control: Queue,
  ) {
    this.queues = { findings, mail, escalation, 'deployment-control': control };
  }

  async enqueue<Q extends QueueName, N extends JobName<Q>>(req: JobRequest<Q, N>): Promise<string | undefined> {
    const job = await this.queues[req.queue].add(req.name, req.data, jobOptions(req.queue, req.jobId, req.delayMs));
    return job.id;
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }
}
