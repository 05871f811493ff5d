import { fmix32 } from './hash';
import { HyperLogLog } from './hyperloglog';

const EMPTY = 0;

/**
 * Distinct values over a sliding window of event-time buckets.
 *
 * Small sets are exact: each value keeps the newest bucket it was seen in, so the count for any
 * window is "values stamped inside it". Past `maxExact` live values the counter promotes itself
 * to one HyperLogLog per bucket slot (a ring of `slots`), and the window count is the estimate of
 * the slots' union. Memory is bounded either way: at most ~4*maxExact words exact, or
 * slots * 2^p bytes as sketches, whatever is fed into it.
 */
export class SlidingDistinct {
  private keys: Uint32Array;
  private stamps: Int32Array;
  private size = 0;
  private newest = 0;
  private regs: Uint8Array | null = null;
  private slotBucket: Int32Array | null = null;
  private readonly m: number;
  private static scratch = new Uint8Array(0);

  constructor(
    private readonly slots: number,
    private readonly maxExact: number,
    private readonly p: number,
    initialCapacity = 8,
  ) {
    this.m = 1 << p;
    let cap = 8;
    while (cap < initialCapacity) cap <<= 1;
    this.keys = new Uint32Array(cap);
    this.stamps = new Int32Array(cap);
  }

  get promoted(): boolean {
    return this.regs !== null;
  }

  /** Entries held: exact values, or registers in use once promoted (for memory accounting). */
  get entries(): number {
    return this.regs ? this.slots * this.m : this.size;
  }

  add(key: number, bucket: number): void {
    if (bucket > this.newest) this.newest = bucket;
    if (this.regs) {
      this.addSketch(key, bucket);
      return;
    }
    const keys = this.keys;
    const stamps = this.stamps;
    const mask = keys.length - 1;
    let i = fmix32(key) & mask;
    while (stamps[i] !== EMPTY) {
      if (keys[i] === key >>> 0) {
        if (bucket > stamps[i]) stamps[i] = bucket;
        return;
      }
      i = (i + 1) & mask;
    }
    if (this.size + 1 > keys.length >>> 1) {
      this.compact();
      if (this.size + 1 > keys.length >>> 1) {
        if (keys.length < this.maxExact * 2) this.rehash(keys.length << 1);
        else {
          this.promote();
          this.addSketch(key, bucket);
          return;
        }
      }
      this.add(key, bucket);
      return;
    }
    keys[i] = key >>> 0;
    stamps[i] = bucket;
    this.size++;
  }

  /** Distinct values seen in buckets [from, to]. */
  count(from: number, to: number): number {
    if (!this.regs) {
      let n = 0;
      const s = this.stamps;
      for (let i = 0; i < s.length; i++) if (s[i] !== EMPTY && s[i] >= from && s[i] <= to) n++;
      return n;
    }
    const m = this.m;
    if (SlidingDistinct.scratch.length < m) SlidingDistinct.scratch = new Uint8Array(m);
    const acc = SlidingDistinct.scratch;
    acc.fill(0, 0, m);
    const sb = this.slotBucket as Int32Array;
    for (let s = 0; s < this.slots; s++) {
      if (sb[s] >= from && sb[s] <= to) HyperLogLog.mergeInto(acc, 0, this.regs, s * m, m);
    }
    return HyperLogLog.estimate(acc, 0, this.p);
  }

  /** Whether the value was seen in buckets [from, to]; false once promoted (check `promoted`). */
  has(key: number, from: number, to: number): boolean {
    if (this.regs) return false;
    const keys = this.keys;
    const stamps = this.stamps;
    const mask = keys.length - 1;
    for (let i = fmix32(key) & mask; stamps[i] !== EMPTY; i = (i + 1) & mask)
      if (keys[i] === key >>> 0) return stamps[i] >= from && stamps[i] <= to;
    return false;
  }

  /** Exact values (IPv4 addresses or hashes) stamped inside [from, to]; empty once promoted. */
  forEachExact(from: number, to: number, fn: (key: number) => void): void {
    if (this.regs) return;
    for (let i = 0; i < this.keys.length; i++) {
      const s = this.stamps[i];
      if (s !== EMPTY && s >= from && s <= to) fn(this.keys[i]);
    }
  }

  private addSketch(key: number, bucket: number): void {
    const sb = this.slotBucket as Int32Array;
    const s = bucket % this.slots;
    if (sb[s] !== bucket) {
      if (sb[s] > bucket) return; // the slot already holds a newer bucket: too late to count
      (this.regs as Uint8Array).fill(0, s * this.m, (s + 1) * this.m);
      sb[s] = bucket;
    }
    HyperLogLog.addTo(this.regs as Uint8Array, s * this.m, this.p, fmix32(key));
  }

  private compact(): void {
    this.rehash(this.keys.length);
  }

  private rehash(cap: number): void {
    const oldK = this.keys;
    const oldS = this.stamps;
    const oldest = this.newest - this.slots + 1;
    this.keys = new Uint32Array(cap);
    this.stamps = new Int32Array(cap);
    this.size = 0;
    const mask = cap - 1;
    for (let j = 0; j < oldK.length; j++) {
      if (oldS[j] === EMPTY || oldS[j] < oldest) continue;
      let i = fmix32(oldK[j]) & mask;
      while (this.stamps[i] !== EMPTY) i = (i + 1) & mask;
      this.keys[i] = oldK[j];
      this.stamps[i] = oldS[j];
      this.size++;
    }
  }

  private promote(): void {
    this.regs = new Uint8Array(this.slots * this.m);
    this.slotBucket = new Int32Array(this.slots).fill(-1);
    const oldK = this.keys;
    const oldS = this.stamps;
    for (let j = 0; j < oldK.length; j++) if (oldS[j] !== EMPTY) this.addSketch(oldK[j], oldS[j]);
    this.keys = new Uint32Array(0);
    this.stamps = new Int32Array(0);
    this.size = 0;
  }
}
