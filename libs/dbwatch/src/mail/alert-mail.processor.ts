import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { parseJob, QueueName, closeWorkerBeforeQueues, WORKER_CLOSE_GRACE_MS } from '@sg/queues';
import { isDbAlertType } from '../analysis/alert-types';
import { AlertMailer } from './alert-mailer.service';

/**
 * The "dbwatch" queue: `dbwatch.alert-mail` mails a server's unmailed alerts of one type.
 * Bad job -> UnrecoverableError; nothing to mail or throttled -> return (a delayed job follows);
 * a database or Redis failure -> throw, BullMQ retries.
 */
@Processor(QueueName.DBWATCH, { concurrency: 2 })
export class AlertMailProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertMailProcessor.name);

  constructor(private readonly mailer: AlertMailer) {
    super();
  }

  /** Closes the worker before the queues' connections go (see closeWorkerBeforeQueues). */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorkerBeforeQueues(this.worker, WORKER_CLOSE_GRACE_MS, this.logger);
  }

  async process(job: Job): Promise<string> {
    const { data } = parseJob(QueueName.DBWATCH, job);
    if (!isDbAlertType(data.alertType))
      throw new UnrecoverableError(`bad dbwatch.alert-mail job: alertType: not an alert type: ${data.alertType}`);
    const r = await this.mailer.mail(data.serverId, data.alertType);
    return r.outcome;
  }
}
