import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { parseJob, QueueName, settleWorkerConnections } from '@sg/queues';
import { isDbAlertType } from '../analysis/alert-types';
import { AlertMailer } from './alert-mailer.service';

/**
 * The "dbwatch" queue: `dbwatch.alert-mail` mails a server's unmailed alerts of one type.
 * Bad job -> UnrecoverableError; nothing to mail or throttled -> return (a delayed job follows);
 * a database or Redis failure -> throw, BullMQ retries.
 */
@Processor(QueueName.DBWATCH, { concurrency: 2 })
export class AlertMailProcessor extends WorkerHost implements BeforeApplicationShutdown {
  constructor(private readonly mailer: AlertMailer) {
    super();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await settleWorkerConnections(this.worker, 5000);
  }

  async process(job: Job): Promise<string> {
    const { data } = parseJob(QueueName.DBWATCH, job);
    if (!isDbAlertType(data.alertType))
      throw new UnrecoverableError(`bad dbwatch.alert-mail job: alertType: not an alert type: ${data.alertType}`);
    const r = await this.mailer.mail(data.serverId, data.alertType);
    return r.outcome;
  }
}
