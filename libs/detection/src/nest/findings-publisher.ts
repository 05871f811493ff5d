import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { QueueName, QueueService } from '@sg/queues';
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
        await this.queues.enqueueBulk(
          batch.map((f) => ({
            queue: QueueName.FINDINGS,
            name: 'finding.upsert',
            data: { finding: f },
            // One job per update: a repeated hand-over of the same update is a no-op.
            jobId: `finding:${f.id}:${f.updates}:${f.status}`,
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

  /**
   * Keeps the newest update of each finding and rule, in the order of those updates, so nothing a
   * case keeps from the updates is lost: counts are cumulative (the newest carries them), and each
   * rule's largest observed figure and every port named are carried onto the update kept. (Keeping
   * only the newest update of a finding lost a peak or a rule seen before it, and the cases
   * differed with how far Redis was behind.)
   */
  private compact(): void {
    const kept = new Map<string, { f: Finding; at: number; observed: number; ports: Set<number> }>();
    this.waiting.forEach((f, at) => {
      const key = `${f.id}\u0000${f.rule.name}`;
      const k = kept.get(key);
      if (!k) kept.set(key, { f, at, observed: f.rule.observed, ports: new Set(f.ports) });
      else {
        k.f = f;
        k.at = at;
        if (f.rule.observed > k.observed) k.observed = f.rule.observed;
        for (const p of f.ports) k.ports.add(p);
      }
    });
    this.waiting = [...kept.values()]
      .sort((a, b) => a.at - b.at)
      .map(({ f, observed, ports }) =>
        observed === f.rule.observed && ports.size === f.ports.length
          ? f
          : { ...f, rule: { ...f.rule, observed }, ports: [...ports].sort((a, b) => a - b).slice(0, 20) },
      );
  }
}
