import type { FlowBatch } from '../flow-batch';

/** How far (event time) an upload may run ahead of the slowest other upload going on. */
export const DEFAULT_MAX_DRIFT_MS = 30_000;
/** An upload whose client sent nothing for this long (wall clock) holds no other back. */
const STALLED_MS = 2_000;
/** An upload further behind than this is a backfill of older logs: it holds no other back. */
const BACKFILL_MS = 15 * 60_000;
const POLL_MS = 5;

/** One upload going on: how far its records have reached in event time. */
export interface UploadStream {
  /** Newest event time (ms) of the records handed on so far; 0 before the first. */
  eventMs: number;
  /** Wall clock (ms) when the client last sent part of it. */
  activeAt: number;
  /** Waits going on in which this side holds the upload (detection behind, or it ran ahead): not a stall. */
  held: number;
  closed: boolean;
}

/**
 * Keeps concurrent uploads together in event time. Detection keeps each VM side's window in event
 * time and takes records up to a lateness bound behind the side's newest; a VM's records come from
 * several uploads at once (its own interface's log, and the logs of the VMs that talk to it), and
 * uploads parse at different speeds, so at full speed one upload ran tens of minutes of event time
 * ahead of another and the other's records were dropped as late: the same lines gave other cases
 * sent fast than sent slowly. Here an upload that is more than maxDriftMs ahead of the slowest
 * other upload waits (its HTTP body is not read on, so TCP holds the client) until that one has
 * caught up. An upload that stalled (the client sends nothing) or is a backfill far behind holds
 * no one back. The slowest upload never waits, so uploads cannot wait for each other in a ring.
 */
export class UploadStreams {
  private readonly live = new Set<UploadStream>();

  constructor(
    private readonly maxDriftMs = DEFAULT_MAX_DRIFT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.live.size;
  }

  open(): UploadStream {
    const s: UploadStream = { eventMs: 0, activeAt: this.now(), held: 0, closed: false };
    this.live.add(s);
    return s;
  }

  close(s: UploadStream): void {
    s.closed = true;
    this.live.delete(s);
  }

  /** The client sent more of the upload (a stream the client stopped feeding holds no one back). */
  touch(s: UploadStream): void {
    s.activeAt = this.now();
  }

  /**
   * Waits for `p` holding the upload: meanwhile it is not stalled (its client is not reading on
   * because we are not), so it keeps holding faster uploads back and keeps the watermark down.
   */
  async hold(s: UploadStream, p: Promise<void>): Promise<void> {
    s.held++;
    try {
      await p;
    } finally {
      s.held--;
      s.activeAt = this.now();
    }
  }

  /** Notes the event times of a batch the stream hands on (one pass over its end times). */
  note(s: UploadStream, batch: FlowBatch): void {
    const end = batch.endMs;
    const start = batch.startMs;
    let t = s.eventMs;
    for (let i = 0; i < batch.length; i++) {
      const v = end[i] > 0 ? end[i] : start[i];
      if (v > t) t = v;
    }
    s.eventMs = t;
  }

  private stalled(o: UploadStream, now: number): boolean {
    return o.held === 0 && now - o.activeAt > STALLED_MS;
  }

  /** The event time of the slowest other upload that holds this one back (Infinity: none). */
  private slowestOther(s: UploadStream): number {
    const now = this.now();
    let min = Infinity;
    for (const o of this.live) {
      if (o === s || o.eventMs === 0 || this.stalled(o, now)) continue;
      if (o.eventMs < s.eventMs - BACKFILL_MS) continue;
      if (o.eventMs < min) min = o.eventMs;
    }
    return min;
  }

  /**
   * The event time every upload going on has reached: the slowest one's (a stalled upload or a
   * backfill far behind left out, as they hold no one back); 0 when none has handed records on.
   */
  watermark(): number {
    const now = this.now();
    let max = 0;
    for (const o of this.live) if (o.eventMs > max) max = o.eventMs;
    let min = max;
    for (const o of this.live) {
      if (o.eventMs === 0 || this.stalled(o, now) || o.eventMs < max - BACKFILL_MS) continue;
      if (o.eventMs < min) min = o.eventMs;
    }
    return min;
  }

  /** Whether the stream is too far ahead to hand on more now. */
  ahead(s: UploadStream): boolean {
    return !s.closed && s.eventMs - this.slowestOther(s) > this.maxDriftMs;
  }

  /** While the stream is too far ahead: a promise that resolves once it is not. */
  aligned(s: UploadStream): Promise<void> | undefined {
    if (!this.ahead(s)) return undefined;
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.ahead(s)) resolve();
        else setTimeout(check, POLL_MS);
      };
      setTimeout(check, POLL_MS);
    });
  }
}
