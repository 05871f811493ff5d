import { FlowBatch } from '@sg/flows/flow-batch';

/** Record ends held at most (about 100 bytes each, twice over for the swap): beyond, they go on. */
export const ROLLOVER_HOLD_CAPACITY = 32_768;

/**
 * Record ends that would move their VM side to a new bucket before every input has reached it.
 *
 * A side keeps one open bucket (the flood counters and the heavy-peer table are per bucket), and
 * the first record of a newer bucket closes it: records of the closed bucket that come after are
 * late, and miss the bucket's counters. With inputs side by side (HTTP uploads, or flow-bus
 * partitions replaying at their own pace) one input may be 30 s of event time ahead of another;
 * its records would close buckets whose records the slower input still holds, so the same flows
 * sent faster gave a flood other figures. Such an end waits here until the inputs' watermark
 * (FlowBatch.watermarkMs: what every input going on has reached) passes the start of its bucket;
 * then the slower input's records of the open bucket are in. A side that does not need to move
 * on never waits, nor does any record when the input names no watermark (UDP).
 *
 * Bounded: when full, everything held goes on at once, as it would have without holding
 * (counted in `forced`). Columns are reused; the per-record work is one copy in and one out.
 */
export class RolloverHold {
  private held: FlowBatch | null = null;
  private spare: FlowBatch | null = null;
  private role: Uint8Array | null = null;
  private spareRole: Uint8Array | null = null;
  /** Start (ms) of the earliest bucket held: nothing goes on before the watermark reaches it. */
  private earliestMs = Infinity;
  /** Record ends held since start, and times the hold was full and let everything go. */
  total = 0;
  forced = 0;

  constructor(
    private readonly bucketMs: number,
    private readonly capacity = ROLLOVER_HOLD_CAPACITY,
  ) {}

  get length(): number {
    return this.held?.length ?? 0;
  }

  /** Whether something held may go on once the watermark is at `untilMs`. */
  due(untilMs: number): boolean {
    return this.earliestMs <= untilMs;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Holds the end `role` of record i (event time t) of batch b. The caller checks `full` first. */
  add(b: FlowBatch, i: number, role: number, t: number): void {
    if (!this.held) {
      // Made on first use: a collector fed by UDP alone never holds anything.
      this.held = new FlowBatch(this.capacity);
      this.spare = new FlowBatch(this.capacity);
      this.role = new Uint8Array(this.capacity);
      this.spareRole = new Uint8Array(this.capacity);
    }
    const j = this.held.copyFrom(b, i);
    this.role![j] = role;
    const start = Math.floor(t / this.bucketMs) * this.bucketMs;
    if (start < this.earliestMs) this.earliestMs = start;
    this.total++;
  }

  /**
   * Hands on, in the order they were held, the ends whose bucket starts at or before `untilMs`
   * (Infinity: all); keeps the others. `feed` gets the holding batch, the index and the end.
   */
  release(untilMs: number, feed: (b: FlowBatch, i: number, role: number) => void): void {
    const from = this.held;
    const to = this.spare;
    if (!from || !to || from.length === 0 || this.earliestMs > untilMs) return;
    const role = this.role!;
    const keptRole = this.spareRole!;
    const bucketMs = this.bucketMs;
    let earliest = Infinity;
    to.clear();
    for (let i = 0; i < from.length; i++) {
      let t = from.endMs[i];
      if (!(t > 0)) t = from.startMs[i];
      const start = Math.floor(t / bucketMs) * bucketMs;
      if (start <= untilMs) feed(from, i, role[i]);
      else {
        keptRole[to.copyFrom(from, i)] = role[i];
        if (start < earliest) earliest = start;
      }
    }
    from.clear();
    this.held = to;
    this.spare = from;
    this.role = keptRole;
    this.spareRole = role;
    this.earliestMs = earliest;
  }
}
