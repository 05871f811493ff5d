import { fmix32 } from './hash';

const GEN = 16; // words per generation: 512 bits, one 64-byte cache line
const G_START = 2 * GEN; // bucket the current generation started in
const G_CUR = G_START + 1;
const G_SET = G_CUR + 1; // set-bit counts of the two generations
const STRIDE = G_SET + 2;

/**
 * (peer, port) pairs each VM side recently reached successfully: per side a two-generation
 * Bloom filter (512 bits each, two hash functions in the same cache line), each generation
 * covering one window, so a pair is remembered for one to two windows. TRW counts only failed
 * *first* contacts: a host the VM talked to a minute ago that now fails is a host going down (the
 * monitor's case), not a scanner discovering hosts. A generation more than half full no longer
 * answers "known" (a busy proxy would make every pair look known and hide a real scan); TRW's
 * success count covers proxies. Stored for all sides in one array, indexed like TrackStore.
 */
export class RecentPairs {
  private words = new Uint32Array(0);

  constructor(
    private readonly windowBuckets: number,
    capacity = 1024,
  ) {
    this.ensure(capacity);
  }

  ensure(capacity: number): void {
    if (this.words.length >= capacity * STRIDE) return;
    const w = new Uint32Array(capacity * STRIDE);
    w.set(this.words);
    this.words = w;
  }

  reset(t: number): void {
    this.words.fill(0, t * STRIDE, (t + 1) * STRIDE);
  }

  /** Loads side t's lines (both generations and their counters); see VmRows.warm(). */
  touch(t: number): number {
    const w = this.words;
    const b = t * STRIDE;
    return w[b] ^ w[b + GEN] ^ w[b + G_SET];
  }

  add(t: number, hash: number, bucket: number): void {
    const w = this.words;
    const b = t * STRIDE;
    const start = w[b + G_START];
    if (start === 0) w[b + G_START] = bucket;
    else if (bucket >= start + this.windowBuckets) this.rotate(b, bucket);
    const g = w[b + G_CUR];
    const base = b + g * GEN;
    const h1 = hash & 511;
    const h2 = fmix32(hash) & 511;
    const m1 = 1 << (h1 & 31);
    const m2 = 1 << (h2 & 31);
    if ((w[base + (h1 >>> 5)] & m1) === 0) {
      w[base + (h1 >>> 5)] |= m1;
      w[b + G_SET + g]++;
    }
    if ((w[base + (h2 >>> 5)] & m2) === 0) {
      w[base + (h2 >>> 5)] |= m2;
      w[b + G_SET + g]++;
    }
  }

  has(t: number, hash: number): boolean {
    const w = this.words;
    const b = t * STRIDE;
    const h1 = hash & 511;
    const h2 = fmix32(hash) & 511;
    for (let g = 0; g < 2; g++) {
      if (w[b + G_SET + g] > 256) continue;
      const base = b + g * GEN;
      if (w[base + (h1 >>> 5)] & (1 << (h1 & 31)) && w[base + (h2 >>> 5)] & (1 << (h2 & 31))) return true;
    }
    return false;
  }

  private rotate(b: number, bucket: number): void {
    const w = this.words;
    const next = w[b + G_CUR] ^ 1;
    if (bucket >= w[b + G_START] + 2 * this.windowBuckets) {
      // Two windows without traffic: forget both generations.
      w.fill(0, b, b + 2 * GEN);
      w[b + G_SET] = w[b + G_SET + 1] = 0;
    } else {
      w.fill(0, b + next * GEN, b + next * GEN + GEN);
      w[b + G_SET + next] = 0;
    }
    w[b + G_CUR] = next;
    w[b + G_START] = bucket;
  }
}
