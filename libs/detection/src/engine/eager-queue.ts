import { ALL_KINDS, K_BRUTE, K_INTEL, K_MINING, K_SCAN, K_SPAM } from './kind-bits';
import type { TrackStore } from './track-store';

/** mask bit: the side is in the list (kinds use bits 0-6). */
const LISTED = 0x80;
/**
 * After an eager look that opened nothing, a kind's trigger waits for its level to grow by this
 * factor. Count levels (pairs, sessions, servers, listed flows, buckets) step by one unit, and one
 * more unit may be the one that counts (a pair the known-pairs filter hid): any growth re-arms.
 * Volume levels (packet rates and sums) grow with every record: they wait for a quarter more.
 */
const REARM: readonly number[] = (() => {
  const r = [1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25];
  for (const k of [K_SCAN, K_BRUTE, K_SPAM, K_INTEL, K_MINING]) r[k] = 1 + 1e-6;
  return r;
})();

/**
 * Eager evaluation's queue: a side whose counters show a rule may fire is looked at before its
 * bucket closes (README, "Eager evaluation"). Per-track typed arrays and a list of hot sides:
 * nothing allocated per record.
 */
export class EagerQueue {
  /** Per track: kinds waiting for an eager look (bits 0-6) and LISTED. */
  private mask = new Uint8Array(1024);
  /** Sides with LISTED set, in the order they became hot. */
  private list = new Int32Array(256);
  /** Sides in the list. */
  count = 0;
  /** Per track: monotonic ms before which the side gets no eager look again. */
  private next = new Float64Array(1024);
  /** Per track and kind: trigger level needed for the next eager look (0: 1, the rule's threshold). */
  private arm = new Float32Array(1024 * 8);
  private draining = false;

  constructor(
    private readonly intervalMs: number,
    private readonly monotonic: () => number,
  ) {}

  /** Tracks the per-track arrays hold. */
  get capacity(): number {
    return this.mask.length;
  }

  /**
   * A trigger saw kind k's rule within reach (level >= 1: its cheap counters are past the rule's
   * threshold): the side gets an eager look at the end of this process() call. A kind looked at
   * without result waits until its level has grown (REARM) or the bucket closes, so a side that
   * sits near a threshold is looked at again for new evidence only, not for every record.
   */
  mark(tr: number, k: number, level: number): void {
    if (!(level >= 1)) return;
    const a = tr * 8 + k;
    if (level < this.arm[a]) return;
    this.arm[a] = level * REARM[k];
    const h = this.mask[tr];
    this.mask[tr] = h | LISTED | (1 << k);
    if ((h & LISTED) !== 0) return;
    if (this.count === this.list.length) {
      const l = new Int32Array(this.list.length * 2);
      l.set(this.list);
      this.list = l;
    }
    this.list[this.count++] = tr;
  }

  /** A track given to a new side. A reused slot may still be listed from its last owner: the list entry serves the new one. */
  admit(tr: number): void {
    this.mask[tr] &= LISTED;
    this.next[tr] = 0;
    this.arm.fill(0, tr * 8, tr * 8 + 8);
  }

  /** A window step covers whatever made the side hot; triggers start over for the next bucket. */
  stepped(tr: number): void {
    this.mask[tr] &= LISTED;
    this.arm.fill(0, tr * 8, tr * 8 + 8);
  }

  /** The side was evicted: its kinds are dropped (a list entry is skipped when drained). */
  evicted(tr: number): void {
    this.mask[tr] &= LISTED;
  }

  grow(cap: number): void {
    this.mask = grown(this.mask, new Uint8Array(cap));
    this.next = grown(this.next, new Float64Array(cap));
    this.arm = grown(this.arm, new Float32Array(cap * 8));
  }

  /**
   * Eager looks at the hot sides' open buckets, at most one per side per intervalMs (monotonic
   * clock): a side under attack gets records in every batch and is not re-evaluated for each. A side
   * still waiting for its turn stays listed for a later call. `look` gets the kinds to evaluate
   * (hot, without an active incident).
   */
  drain(store: TrackStore, look: (tr: number, kinds: number) => void): void {
    // A finding callback may call back into the engine (advance): one pass at a time.
    if (this.draining) return;
    this.draining = true;
    try {
      const now = this.monotonic();
      const n = this.count;
      let keep = 0;
      for (let j = 0; j < n; j++) {
        const tr = this.list[j];
        const kinds = this.mask[tr] & ALL_KINDS & ~store.activeKinds(tr);
        if (kinds === 0 || store.role(tr) === 0) {
          this.mask[tr] = 0;
          continue;
        }
        if (now < this.next[tr]) {
          this.list[keep++] = tr;
          continue;
        }
        this.mask[tr] = 0;
        this.next[tr] = now + this.intervalMs;
        look(tr, kinds);
      }
      // Sides listed meanwhile (a callback that fed records) keep their places.
      for (let j = n; j < this.count; j++) this.list[keep++] = this.list[j];
      this.count = keep;
    } finally {
      this.draining = false;
    }
  }
}

function grown<T extends Uint8Array | Float32Array | Float64Array>(a: T, x: T): T {
  x.set(a);
  return x;
}
