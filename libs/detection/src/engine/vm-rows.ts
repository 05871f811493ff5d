import { fmix32 } from './hash';
import { RecentPairs } from './recent-pairs';
import type { TrackStore } from './track-store';

/** Words of a VM's row: tracks [source, target], newest probe buckets, peer filters, TRW, spare. */
export const SIDE_WORDS = 8;
/** Row word: newest probe bucket of side `own` (0 source, 1 target) at S_PROBE + own. */
export const S_PROBE = 2;
/** Row word: 32-bit filter of the peers in side `own`'s scan rows at S_FILTER + own. */
export const S_FILTER = 4;
/** Source side: newest failure bucket of a port whose successes its scan state keeps. */
export const S_TRW = 6;

/**
 * Per VM slot, one row of SIDE_WORDS words: the tracks of both sides, each side's newest probe
 * bucket, a 32-bit filter of the peers it probed (or was probed by), and until when the source
 * side keeps successes on failing ports (TRW). One cache line answers "which tracks, and could
 * this answer matter to scan state" for both sides of a VM, so most answers never touch it.
 * Beside the rows, per VM, the (peer, port) pairs it reached successfully in the last one to two
 * windows (`known`).
 */
export class VmRows {
  /** The rows, VM slot v at v * SIDE_WORDS; replaced when it grows (read it after grow()). */
  words = newRows(1024);
  readonly known: RecentPairs;

  constructor(windowBuckets: number) {
    this.known = new RecentPairs(windowBuckets, this.words.length / SIDE_WORDS);
  }

  /** The track of the VM's side `own` (0 source, 1 target), or -1 (also for a VM never seen). */
  track(vm: number, own: number): number {
    return vm * SIDE_WORDS < this.words.length ? this.words[vm * SIDE_WORDS + own] : -1;
  }

  /** Makes room for VM slots below `min`. */
  grow(min: number): void {
    let n = this.words.length / SIDE_WORDS;
    while (n < min) n *= 2;
    const s = newRows(n);
    s.set(this.words);
    this.words = s;
    this.known.ensure(n);
  }

  /** A probe by or to the VM's side `own` (0 source, 1 target): newest probe bucket and the peer filter. */
  noteProbe(vm: number, own: number, bucket: number, peerKey: number): void {
    const a = vm * SIDE_WORDS + S_PROBE + own;
    if (bucket > this.words[a]) this.words[a] = bucket;
    this.filterAdd(vm, own, peerKey);
  }

  filterAdd(vm: number, own: number, peerKey: number): void {
    this.words[vm * SIDE_WORDS + S_FILTER + own] |= 1 << (fmix32(peerKey) & 31);
  }

  clearFilter(vm: number, own: number): void {
    this.words[vm * SIDE_WORDS + S_FILTER + own] = 0;
  }

  /** Whether the peer may have scan rows on that side (a 32-bit filter, never a false "no"). */
  mayHaveProbed(vm: number, own: number, peerKey: number): boolean {
    return (this.words[vm * SIDE_WORDS + S_FILTER + own] & (1 << (fmix32(peerKey) & 31))) !== 0;
  }

  clearProbes(vm: number, own: number): void {
    const r = vm * SIDE_WORDS;
    this.words[r + S_PROBE + own] = 0;
    this.words[r + S_FILTER + own] = 0;
    if (own === 0) this.words[r + S_TRW] = 0;
  }

  /**
   * Loads the lines records [from, to) will touch first: each VM's row, its source side's recent
   * pairs and the sides' track blocks (every 64-byte line). On busy traffic consecutive records
   * belong to different VMs, each of these lines is a main-memory miss, and feed()'s branches
   * keep the processor from overlapping them; this loop has no data-dependent branch, so its
   * misses are fetched side by side and feed() finds them in cache (1.13 -> 1.33-1.42 M records/s
   * in bench:detect's throughput part). A record without a VM end warms VM 0's lines in vain,
   * cheaper than a branch. Returns a value the caller keeps, so the loads cannot be dropped.
   */
  warm(store: TrackStore, srcVm: Int32Array, dstVm: Int32Array, from: number, to: number): number {
    const sides = this.words;
    const lastVm = sides.length / SIDE_WORDS - 1;
    const i32 = store.i32;
    const stride = store.stride;
    const lastTrack = store.capacity - 1;
    const known = this.known;
    let acc = 0;
    for (let i = from; i < to; i++) {
      let s = srcVm[i];
      let d = dstVm[i];
      s &= ~(s >> 31);
      d &= ~(d >> 31);
      if (s > lastVm) s = 0;
      if (d > lastVm) d = 0;
      acc ^= known.touch(s);
      let ts = sides[s * SIDE_WORDS];
      let td = sides[d * SIDE_WORDS + 1];
      ts &= ~(ts >> 31);
      td &= ~(td >> 31);
      if (ts > lastTrack) ts = 0;
      if (td > lastTrack) td = 0;
      const a = ts * stride;
      const b = td * stride;
      for (let w = 0; w < stride; w += 16) acc ^= i32[a + w] ^ i32[b + w];
    }
    return acc;
  }
}

/** `vms` rows with no tracks and no probes. */
function newRows(vms: number): Int32Array {
  const a = new Int32Array(vms * SIDE_WORDS);
  for (let v = 0; v < vms; v++) a[v * SIDE_WORDS] = a[v * SIDE_WORDS + 1] = -1;
  return a;
}
