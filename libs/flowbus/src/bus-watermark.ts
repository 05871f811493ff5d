import type { FlowBatch } from '@sg/flows/flow-batch';

/** A partition whose loop has waited this long (wall clock) for its next message holds no other back. */
export const PARTITION_STALL_MS = 2_000;
/**
 * A collector whose last message was published this much earlier (stream time) than the message
 * at hand holds no other back: it had nothing more to say (its uploads ended, or none of its
 * records are for this detector's partitions).
 */
export const ORIGIN_STALE_MS = 2_000;

/** Newest event time of a batch's records (end time, else start time; 0 for none): one pass over two columns. */
export function newestEventMs(batch: FlowBatch): number {
  const end = batch.endMs;
  const start = batch.startMs;
  let t = 0;
  for (let i = 0, n = batch.length; i < n; i++) {
    const v = end[i] > 0 ? end[i] : start[i];
    if (v > t) t = v;
  }
  return t;
}

/** The smaller of two watermarks where 0 means "no bound". */
const minBound = (a: number, b: number): number => (a > 0 && (b <= 0 || a < b) ? a : b > 0 ? b : 0);

/**
 * The event time a detector may move its (one, shared) detection clock to, as the watermark of
 * each batch it hands to detection (FlowBatch.watermarkMs). Two bounds, the smaller wins:
 *
 * - Partitions: its partition consumers run at their own pace, and after a restart one partition
 *   replays minutes of event time ahead of another; a clock moved by the fast one closed the slow
 *   ones' VMs' buckets early (an incident split in two). So the clock goes no further than the
 *   event time reached by the slowest owned partition that still has messages to deliver. A
 *   partition that is caught up (nothing pending) or stalled (its pull waited PARTITION_STALL_MS)
 *   holds no one back, as a stalled upload does not; one with messages pending and none delivered
 *   yet holds the clock where it is.
 * - Collectors: a message carries its collector's uploads' watermark (flow-codec.ts); the clock
 *   goes no further than the lowest of the collectors that spoke within ORIGIN_STALE_MS (stream
 *   time) of the message at hand, so one collector's fast upload closes no window of another's
 *   slow one, as in one process (UploadStreams.watermark).
 *
 * Per message: a few array reads per owned partition, no allocation.
 */
export class BusWatermark {
  private readonly index = new Map<number, number>();
  /** Per owned partition (by position): event time reached, messages pending, since when its pull waits (0: not waiting). */
  private readonly reached: Float64Array;
  private readonly pending: Float64Array;
  private readonly waitingSince: Float64Array;
  /** Per publishing collector: its last watermark and that message's publish time (ms). */
  private readonly origins = new Map<number, { wm: number; at: number }>();

  constructor(
    partitions: readonly number[],
    private readonly now: () => number = Date.now,
    private readonly stallMs = PARTITION_STALL_MS,
    private readonly staleMs = ORIGIN_STALE_MS,
  ) {
    partitions.forEach((p, k) => this.index.set(p, k));
    this.reached = new Float64Array(partitions.length);
    this.pending = new Float64Array(partitions.length);
    this.waitingSince = new Float64Array(partitions.length);
  }

  /** Messages of partition p not delivered yet (the consumer's count at start, or the last message's). */
  setPending(p: number, pending: number): void {
    const k = this.index.get(p);
    if (k !== undefined) this.pending[k] = pending;
  }

  /** Partition p's loop waits for its next message from now (true) or holds one (false). */
  waiting(p: number, waiting: boolean): void {
    const k = this.index.get(p);
    if (k !== undefined) this.waitingSince[k] = waiting ? this.now() : 0;
  }

  /**
   * A message of partition p goes to detection: its records reach `eventMs` (newestEventMs), and
   * `pending` messages of p follow it; its collector `origin` (0: unknown) said `originWm` (0:
   * nothing) when publishing it at `publishedMs`. Answers the batch's watermark (0: no bound).
   */
  message(p: number, eventMs: number, pending: number, origin: number, originWm: number, publishedMs: number): number {
    const k = this.index.get(p);
    if (k !== undefined) {
      if (eventMs > this.reached[k]) this.reached[k] = eventMs;
      this.pending[k] = pending;
      this.waitingSince[k] = 0;
    }
    return minBound(this.partitions(), this.collectors(origin, originWm, publishedMs));
  }

  /** The slowest owned partition that still delivers: its event time (1 before its first record), 0 when none holds back. */
  partitions(): number {
    let min = 0;
    let now = -1;
    for (let k = 0; k < this.reached.length; k++) {
      if (!(this.pending[k] > 0)) continue;
      const since = this.waitingSince[k];
      if (since > 0) {
        if (now < 0) now = this.now();
        if (now - since >= this.stallMs) continue;
      }
      const t = this.reached[k] > 0 ? this.reached[k] : 1;
      if (min === 0 || t < min) min = t;
    }
    return min;
  }

  private collectors(origin: number, wm: number, at: number): number {
    if (origin !== 0) {
      const o = this.origins.get(origin);
      if (!o) this.origins.set(origin, { wm, at });
      else if (at >= o.at) {
        o.wm = wm;
        o.at = at;
      }
    } else if (wm > 0) return wm;
    let min = 0;
    for (const [id, o] of this.origins) {
      if (o.at < at - this.staleMs) {
        // Long quiet (a collector gone): forgotten once far behind every message at hand.
        if (o.at < at - 100 * this.staleMs) this.origins.delete(id);
        continue;
      }
      min = minBound(min, o.wm);
    }
    return min;
  }
}
