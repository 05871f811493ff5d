import { addressKey, pairHash } from './hash';

/** Header columns of a row (Int32). */
const H_HASH = 0;
const H_W0 = 1; // 4 address words: 1..4
const H_FAMPORT = 5; // port * 8 + family; port 65536 stands for "ICMP echo"
const H_VM = 6; // peer VM slot + 1 (0 = not a VM)
const H_FIRST = 7; // first bucket of the current activity (0 = empty row)
const H_LAST = 8; // newest bucket seen
const HDR = 9;
const NO_SLOTS = new Int32Array(0);

/**
 * A bounded open-addressing table of (peer address, port) rows with numeric fields, the evidence
 * store of the detectors. Rows carry the first and newest event-time bucket they were seen in; a
 * row idle for a whole window is reset when it is touched again and dropped when the table is
 * compacted, so counts describe the current activity. Optional per-row bucket slots give exact
 * per-bucket counts for sliding sums.
 *
 * Growth doubles up to `maxRows` live rows (load <= 0.5, so probes stay short); when the table is
 * full of live rows, new rows are refused and counted in `dropped`: memory is bounded whatever
 * arrives (10 million spoofed sources fill it once, then cost one failed probe each).
 */
export class PeerTable {
  private hdr: Int32Array;
  private val: Float32Array;
  private cap: number;
  private readonly stride: number;
  private readonly capMax: number;
  /** Bucket held by each slot column (shared by all rows). */
  private readonly slotBucket: Int32Array;
  size = 0;
  dropped = 0;
  private lastPurge = -1;

  constructor(
    readonly nFields: number,
    readonly maxRows: number,
    readonly nSlots = 0,
    initialRows = 4,
  ) {
    this.stride = nFields + nSlots;
    let cap = 8;
    while (cap < initialRows * 2) cap <<= 1;
    let capMax = 8;
    while (capMax < maxRows * 2) capMax <<= 1;
    this.capMax = capMax;
    this.cap = Math.min(cap, capMax);
    this.hdr = new Int32Array(this.cap * HDR);
    this.val = new Float32Array(this.cap * this.stride);
    this.slotBucket = nSlots > 0 ? new Int32Array(nSlots).fill(-1) : NO_SLOTS;
  }

  get capacity(): number {
    return this.cap;
  }

  used(row: number): boolean {
    return this.hdr[row * HDR + H_FIRST] !== 0;
  }

  first(row: number): number {
    return this.hdr[row * HDR + H_FIRST];
  }

  last(row: number): number {
    return this.hdr[row * HDR + H_LAST];
  }

  port(row: number): number {
    return this.hdr[row * HDR + H_FAMPORT] >>> 3;
  }

  family(row: number): number {
    return this.hdr[row * HDR + H_FAMPORT] & 7;
  }

  peerVm(row: number): number {
    return this.hdr[row * HDR + H_VM] - 1;
  }

  peerKey(row: number): number {
    const h = row * HDR;
    return addressKey(this.hdr, h + H_W0, this.hdr[h + H_FAMPORT] & 7) >>> 0;
  }

  /** Copies the row's address words into out[off..off+3]. */
  words(row: number, out: Uint32Array, off = 0): void {
    const h = row * HDR + H_W0;
    out[off] = this.hdr[h];
    out[off + 1] = this.hdr[h + 1];
    out[off + 2] = this.hdr[h + 2];
    out[off + 3] = this.hdr[h + 3];
  }

  get(row: number, f: number): number {
    return this.val[row * this.stride + f];
  }

  set(row: number, f: number, v: number): void {
    this.val[row * this.stride + f] = v;
  }

  add(row: number, f: number, v: number): void {
    this.val[row * this.stride + f] += v;
  }

  find(words: ArrayLike<number>, off: number, family: number, port: number): number {
    const key = addressKey(words, off, family);
    const h = pairHash(key, port) | 0;
    const mask = this.cap - 1;
    const fp = port * 8 + family;
    let i = (h >>> 0) & mask;
    for (;;) {
      const b = i * HDR;
      if (this.hdr[b + H_FIRST] === 0) return -1;
      if (this.hdr[b + H_HASH] === h && this.hdr[b + H_FAMPORT] === fp && this.sameAddress(b, words, off, family))
        return i;
      i = (i + 1) & mask;
    }
  }

  /**
   * Finds or creates the row for (peer, port) and marks it seen in `bucket`. A row last seen
   * before `windowStart` starts over (fields zeroed). Returns -1 when the table is full.
   */
  upsert(
    words: ArrayLike<number>,
    off: number,
    family: number,
    port: number,
    peerVm: number,
    bucket: number,
    windowStart: number,
  ): number {
    const key = addressKey(words, off, family);
    const h = pairHash(key, port) | 0;
    const fp = port * 8 + family;
    let mask = this.cap - 1;
    let i = (h >>> 0) & mask;
    for (;;) {
      const b = i * HDR;
      if (this.hdr[b + H_FIRST] === 0) break;
      if (this.hdr[b + H_HASH] === h && this.hdr[b + H_FAMPORT] === fp && this.sameAddress(b, words, off, family)) {
        if (this.hdr[b + H_LAST] < windowStart) {
          this.val.fill(0, i * this.stride, i * this.stride + this.nFields);
          this.hdr[b + H_FIRST] = bucket;
        }
        if (bucket > this.hdr[b + H_LAST]) this.hdr[b + H_LAST] = bucket;
        return i;
      }
      i = (i + 1) & mask;
    }
    if (this.size + 1 > this.cap >>> 1) {
      if (this.cap < this.capMax) this.rebuild(this.cap << 1, windowStart);
      else if (this.lastPurge !== bucket) {
        this.lastPurge = bucket;
        this.rebuild(this.cap, windowStart);
      }
      if (this.size + 1 > this.cap >>> 1 || this.size >= this.maxRows) {
        this.dropped++;
        return -1;
      }
      mask = this.cap - 1;
      i = (h >>> 0) & mask;
      while (this.hdr[i * HDR + H_FIRST] !== 0) i = (i + 1) & mask;
    } else if (this.size >= this.maxRows) {
      this.dropped++;
      return -1;
    }
    const b = i * HDR;
    this.hdr[b + H_HASH] = h;
    this.hdr[b + H_W0] = words[off];
    this.hdr[b + H_W0 + 1] = family === 6 ? words[off + 1] : 0;
    this.hdr[b + H_W0 + 2] = family === 6 ? words[off + 2] : 0;
    this.hdr[b + H_W0 + 3] = family === 6 ? words[off + 3] : 0;
    this.hdr[b + H_FAMPORT] = fp;
    this.hdr[b + H_VM] = peerVm + 1;
    this.hdr[b + H_FIRST] = bucket;
    this.hdr[b + H_LAST] = bucket;
    this.val.fill(0, i * this.stride, (i + 1) * this.stride);
    this.size++;
    return i;
  }

  /** Adds v to the row's count for `bucket`; ignored when the bucket is older than the slot ring. */
  slotAdd(row: number, bucket: number, v: number): void {
    const n = this.nSlots;
    const s = bucket % n;
    if (this.slotBucket[s] !== bucket) {
      if (this.slotBucket[s] > bucket) return;
      // A new bucket takes this slot column over: clear it for every row (once per bucket).
      const base = this.nFields + s;
      for (let r = 0; r < this.cap; r++) this.val[r * this.stride + base] = 0;
      this.slotBucket[s] = bucket;
    }
    this.val[row * this.stride + this.nFields + s] += v;
  }

  /** Sum of the row's slot counts for buckets in [from, to]. */
  slotSum(row: number, from: number, to: number): number {
    let t = 0;
    for (let s = 0; s < this.nSlots; s++) {
      const b = this.slotBucket[s];
      if (b >= from && b <= to) t += this.val[row * this.stride + this.nFields + s];
    }
    return t;
  }

  /** Slots with a non-zero count for buckets in [from, to]. */
  slotsActive(row: number, from: number, to: number): number {
    let t = 0;
    for (let s = 0; s < this.nSlots; s++) {
      const b = this.slotBucket[s];
      if (b >= from && b <= to && this.val[row * this.stride + this.nFields + s] > 0) t++;
    }
    return t;
  }

  /** Drops rows last seen before windowStart. */
  purge(windowStart: number): void {
    this.rebuild(this.cap, windowStart);
  }

  private sameAddress(b: number, words: ArrayLike<number>, off: number, family: number): boolean {
    const hd = this.hdr;
    if (hd[b + H_W0] !== (words[off] | 0)) return false;
    if (family !== 6) return true;
    return (
      hd[b + H_W0 + 1] === (words[off + 1] | 0) &&
      hd[b + H_W0 + 2] === (words[off + 2] | 0) &&
      hd[b + H_W0 + 3] === (words[off + 3] | 0)
    );
  }

  private rebuild(cap: number, windowStart: number): void {
    const oh = this.hdr;
    const ov = this.val;
    const ocap = this.cap;
    const st = this.stride;
    this.cap = cap;
    this.hdr = new Int32Array(cap * HDR);
    this.val = new Float32Array(cap * st);
    this.size = 0;
    const mask = cap - 1;
    for (let r = 0; r < ocap; r++) {
      const b = r * HDR;
      if (oh[b + H_FIRST] === 0 || oh[b + H_LAST] < windowStart) continue;
      let i = (oh[b + H_HASH] >>> 0) & mask;
      while (this.hdr[i * HDR + H_FIRST] !== 0) i = (i + 1) & mask;
      this.hdr.set(oh.subarray(b, b + HDR), i * HDR);
      this.val.set(ov.subarray(r * st, r * st + st), i * st);
      this.size++;
    }
  }
}
