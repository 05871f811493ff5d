import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * A periodic tick of the worker role: runs `run()` every `everyMs` and once at start (to catch up
 * after downtime). A tick only enqueues or does idempotent work, so it may fire on several replicas
 * at once; an overlapping tick is skipped (the running one is returned), a failure is logged and
 * the next tick tries again. At shutdown it stops ticking and waits for a tick in flight at most
 * 5 s, so a Redis or PostgreSQL that is down cannot hold the process.
 */
export abstract class IntervalTick implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger: Logger;
  private running: Promise<void> | null = null;

  protected constructor(
    private readonly registry: SchedulerRegistry,
    private readonly name: string,
    private readonly everyMs: number,
  ) {
    this.logger = new Logger(name);
  }

  /** One tick's work; a throw is logged as the tick's failure. */
  protected abstract run(): Promise<void>;

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.everyMs);
    timer.unref();
    this.registry.addInterval(this.name, timer);
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', this.name)) this.registry.deleteInterval(this.name);
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.run()
      .catch((err: Error) => this.logger.warn(`${this.name} failed: ${err.message}`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
