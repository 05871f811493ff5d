import { copyLoginEvent, type LoginEvent } from '../events/login-event';
import type { IngestSink } from './login-joiner';

/**
 * Collects the events a parser emits (copies: the parser reuses its event object) with their
 * byte offsets, for handing over in batches. The caller flushes when `full` between chunks, so a
 * slow consumer holds the upload or the follower back instead of letting events pile up.
 */
export class EventBatch implements IngestSink {
  events: LoginEvent[] = [];
  offsets: number[] = [];

  constructor(private readonly size = 1000) {}

  get full(): boolean {
    return this.events.length >= this.size;
  }

  onEvent(e: Readonly<LoginEvent>, offset: number): void {
    this.events.push(copyLoginEvent(e));
    this.offsets.push(offset);
  }

  /** Takes what was collected, leaving the batch empty. */
  take(): { events: LoginEvent[]; offsets: number[] } {
    const out = { events: this.events, offsets: this.offsets };
    this.events = [];
    this.offsets = [];
    return out;
  }
}
