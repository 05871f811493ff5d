import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { CaseEscalationService } from '@sg/cases';
import { DeploymentActionsService } from '@sg/deployment-control';
import { parseJob, QueueName, QueueService, closeWorkerBeforeQueues } from '@sg/queues';

/** How long shutdown waits for a control-plane call in flight (it has its own time-out) before giving up on it. */
const CLOSE_GRACE_MS = 30_000;

/**
 * The "deployment-control" queue: delivers stored shutdown/restart requests and applies the
 * answers to their cases. It builds its BullMQ worker itself (instead of @Processor) because the
 * lock duration comes from configuration: JOB_LOCK_DURATION is how soon another worker takes over
 * a request from a worker that died mid-call — and that one sends the same key and bytes, so the
 * control plane still acts once.
 *
 * Outcomes: 2xx -> the case is shut down (or restarted); 4xx -> recorded on the case for
 * responders, the job fails for good (UnrecoverableError); 5xx/time-out -> thrown and retried
 * with backoff, and recorded as a failure when the last attempt fails too.
 */
@Injectable()
export class DeploymentActionProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeploymentActionProcessor.name);
  private worker: Worker | null = null;

  constructor(
    private readonly queues: QueueService,
    private readonly cases: CaseEscalationService,
    private readonly actions: DeploymentActionsService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  /** The running worker (tests stop it to play a crash). */
  get bullWorker(): Worker | null {
    return this.worker;
  }

  onApplicationBootstrap(): void {
    const queue = this.queues.queue(QueueName.DEPLOYMENT_CONTROL);
    this.worker = new Worker(QueueName.DEPLOYMENT_CONTROL, (job, token) => this.process(job, token), {
      connection: queue.opts.connection,
      prefix: queue.opts.prefix,
      concurrency: 4,
      lockDuration: this.cfg.JOB_LOCK_DURATION,
      stalledInterval: this.cfg.JOB_LOCK_DURATION,
      maxStalledCount: 3,
    });
    this.worker.on('error', (err) => this.logger.warn(`deployment-control worker: ${err.message}`));
  }

  /**
   * Lets a request in flight finish (its answer is recorded), bounded so a stuck Redis cannot hold
   * the process; before the queues' connections go (see closeWorkerBeforeQueues).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorkerBeforeQueues(this.worker, CLOSE_GRACE_MS, this.logger);
  }

  async process(job: Job, _token?: string): Promise<string> {
    // Shutdown and restart carry the same payload: the stored request says which it is.
    const { caseId, actionId } = parseJob(QueueName.DEPLOYMENT_CONTROL, job).data;

    const claim = await this.cases.claimAction(caseId, actionId);
    if (!claim.proceed) {
      if (claim.unknown) throw new UnrecoverableError(`${job.name}: ${claim.why}`);
      return `skipped: ${claim.why}`;
    }
    const result = await this.actions.send(claim.action);
    if (result.outcome === 'done') {
      await this.cases.actionSucceeded(caseId, actionId, result.status, this.actions.providerName);
      return `done (${result.status})`;
    }
    if (result.outcome === 'rejected') {
      await this.cases.actionFailed(caseId, actionId, result.status, result.error);
      throw new UnrecoverableError(result.error);
    }
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade + 1 >= attempts) {
      await this.cases.actionFailed(
        caseId,
        actionId,
        result.status,
        `${result.error} (gave up after ${attempts} attempts)`,
      );
      throw new UnrecoverableError(result.error);
    }
    throw new Error(result.error);
  }
}
