import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { jobOptions, QueueName, QueueService, type FindingDocument } from '@sg/queues';
import type { Finding } from '../engine/finding';

/** Findings waiting for Redis beyond this many are merged down to the newest update per finding. */
const MAX_WAITING = 20_000;
const RETRY_MS = 1_000;

/**
 * Takes findings from the engine's synchronous callback and puts them on the BullMQ queue
 * "findings" in the background, so the detection hot path never waits on Redis. While Redis is
 * unreachable findings wait here; an ongoing incident is one document updated in place, so when
 * too many wait only the newest update of each is kept — nothing an incident said is lost,
 * because every update carries the whole finding.
 */
@Injectable()
export class FindingsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger('detection');
  private waiting: Finding[] = [];
  private scheduled = false;
  private flushing: Promise<void> | null = null;
  published = 0;
  failures = 0;

  constructor(private readonly queues: QueueService) {}

  readonly publish = (f: Finding): void => {
    this.waiting.push(f);
    if (this.waiting.length > MAX_WAITING) this.compact();
    this.schedule(0);
  };

  get backlog(): number {
    return this.waiting.length;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Sends everything waiting; resolves when the queue has it (or the attempt failed). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.send().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private schedule(delayMs: number): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.flush();
    }, delayMs).unref();
  }

  private async send(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.slice(0, 500);
      try {
        await this.queues.queue(QueueName.FINDINGS).addBulk(
          batch.map((f) => ({
            name: 'finding.upsert',
            data: { finding: f as unknown as FindingDocument },
            // One job per update: a repeated hand-over of the same update is a no-op.
            opts: jobOptions(QueueName.FINDINGS, `finding:${f.id}:${f.updates}:${f.status}`),
          })),
        );
        this.waiting.splice(0, batch.length);
        this.published += batch.length;
      } catch (err) {
        this.failures++;
        this.logger.warn(`findings queue unreachable, ${this.waiting.length} waiting: ${(err as Error).message}`);
        this.schedule(RETRY_MS);
        return;
      }
    }
  }

  /** Keeps the newest update of each finding, in order. */
  private compact(): void {
    const newest = new Map<string, Finding>();
    for (const f of this.waiting) newest.set(f.id, f);
    this.waiting = [...newest.values()];
  }
}
