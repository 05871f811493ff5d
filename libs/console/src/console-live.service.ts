import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CaseBoardService } from '@sg/cases';

const POLL_MS = 5000;

/**
 * Tells the console's open queues that cases changed: one poll of the cases' stamp every 5 s while at
 * least one browser listens (not one per browser), announcing a new stamp when the open cases'
 * count or latest update moved. The browser refreshes the queue's table at every event.
 */
@Injectable()
export class ConsoleLive implements OnApplicationShutdown {
  private readonly listeners = new Set<(stamp: string) => void>();
  private timer: NodeJS.Timeout | null = null;
  private last = '';

  constructor(private readonly board: CaseBoardService) {}

  /**
   * Calls `fn` once at once (the page may have been rendered before a change that the browser's
   * connection came too late to hear about), then at every change.
   */
  subscribe(fn: (stamp: string) => void): () => void {
    this.listeners.add(fn);
    this.timer ??= setInterval(() => void this.poll().catch(() => undefined), POLL_MS);
    void this.board
      .openCasesStamp()
      .then((stamp) => {
        this.last ||= stamp;
        if (this.listeners.has(fn)) fn(stamp);
      })
      .catch(() => undefined);
    return () => {
      this.listeners.delete(fn);
      if (!this.listeners.size && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
        this.last = '';
      }
    };
  }

  private async poll(): Promise<void> {
    const stamp = await this.board.openCasesStamp();
    if (this.last && stamp !== this.last) for (const fn of this.listeners) fn(stamp);
    this.last = stamp;
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
  }
}
