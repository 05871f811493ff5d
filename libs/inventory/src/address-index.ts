/**
 * Answers "which VM held address A at time T" for the per-record hot path.
 *
 * Open-addressing hash tables keyed by the address (IPv4: one 32-bit word; IPv6: four), each key
 * pointing at a chain of validity intervals [from, to) with the VM slot that held the address.
 * An IPv4 address whose last-added interval is open-ended (held by a VM since some time: the
 * common case; the inventory adds current holders last) also keeps that VM and the interval's
 * start in its table slot, so a lookup at a time after that start reads one cache line, not two.
 * A bitmap of the IPv4 /16s that hold any VM address (8 KB, stays in L1) answers most outside
 * addresses without touching the table: an operator's VM addresses sit in a few prefixes, while a
 * flow's outside end is anywhere, and with 100k VMs the table is megabytes, so the probe of an
 * outside address would otherwise be a cache miss on half of all lookups.
 * Everything lives in typed arrays: a lookup allocates nothing and touches a few cache lines.
 * An index is immutable once built; the inventory service builds a new one and swaps it in.
 */
const EMPTY = -1;
const GOLDEN = 0x9e3779b1;
/** IPv4 table slot: [key, chain head, direct VM or -1, direct interval start in whole minutes]. */
const SLOT4 = 4;
const MINUTE_MS = 60_000;

export class AddressIndexBuilder {
  private n = 0;
  private slot = new Int32Array(1024);
  private fam = new Uint8Array(1024);
  private addr = new Uint32Array(4096);
  private from = new Float64Array(1024);
  private to = new Float64Array(1024);

  /** from/to in epoch ms; pass -Infinity / +Infinity for open bounds. */
  addV4(vmSlot: number, ip: number, fromMs: number, toMs: number): void {
    const i = this.reserve();
    this.slot[i] = vmSlot;
    this.fam[i] = 4;
    this.addr[i << 2] = ip >>> 0;
    this.from[i] = fromMs;
    this.to[i] = toMs;
  }

  addV6(vmSlot: number, words: ArrayLike<number>, fromMs: number, toMs: number): void {
    const i = this.reserve();
    this.slot[i] = vmSlot;
    this.fam[i] = 6;
    for (let w = 0; w < 4; w++) this.addr[(i << 2) + w] = words[w] >>> 0;
    this.from[i] = fromMs;
    this.to[i] = toMs;
  }

  get count(): number {
    return this.n;
  }

  build(): AddressIndex {
    let n4 = 0;
    for (let i = 0; i < this.n; i++) if (this.fam[i] === 4) n4++;
    const n6 = this.n - n4;
    const bits4 = tableBits(n4);
    const bits6 = tableBits(n6);
    const idx = new AddressIndex(bits4, bits6, this.n);
    for (let i = 0; i < this.n; i++) idx.insert(this.fam[i], this.addr, i << 2, this.slot[i], this.from[i], this.to[i]);
    return idx;
  }

  private reserve(): number {
    if (this.n === this.slot.length) {
      const cap = this.slot.length * 2;
      this.slot = grow(this.slot, new Int32Array(cap));
      this.fam = grow(this.fam, new Uint8Array(cap));
      this.addr = grow(this.addr, new Uint32Array(cap * 4));
      this.from = grow(this.from, new Float64Array(cap));
      this.to = grow(this.to, new Float64Array(cap));
    }
    return this.n++;
  }
}

function grow<T extends Int32Array | Uint8Array | Uint32Array | Float64Array>(old: T, next: T): T {
  next.set(old as never);
  return next;
}

/** Table size: a power of two at least twice the key count, so probe chains stay short. */
function tableBits(n: number): number {
  let bits = 4;
  while (1 << bits < n * 2) bits++;
  return bits;
}

export class AddressIndex {
  private readonly shift4: number;
  private readonly mask4: number;
  /** IPv4 table: SLOT4 words per slot, side by side so a probe reads one cache line. */
  private readonly table4: Int32Array;
  /** Bit (ip >>> 16) set when some IPv4 key lies in that /16. */
  private readonly v4sixteens = new Int32Array(65536 >>> 5);
  private readonly shift6: number;
  private readonly mask6: number;
  private readonly keys6: Uint32Array;
  private readonly head6: Int32Array;
  /** Interval entries, chained per key: [from, to, vm, next] per entry (32 bytes, one line). */
  private readonly ent: Float64Array;
  private entries = 0;
  private keyCount = 0;

  constructor(bits4: number, bits6: number, capacity: number) {
    this.shift4 = 32 - bits4;
    this.mask4 = (1 << bits4) - 1;
    this.table4 = new Int32Array(SLOT4 << bits4);
    for (let b = 0; b < this.table4.length; b += SLOT4) this.table4[b + 1] = this.table4[b + 2] = EMPTY;
    this.shift6 = 32 - bits6;
    this.mask6 = (1 << bits6) - 1;
    this.keys6 = new Uint32Array((1 << bits6) * 4);
    this.head6 = new Int32Array(1 << bits6).fill(EMPTY);
    this.ent = new Float64Array(capacity * 4);
  }

  static empty(): AddressIndex {
    return new AddressIndexBuilder().build();
  }

  /** Number of (address, interval) entries. */
  get size(): number {
    return this.entries;
  }

  /** Number of distinct addresses. */
  get addresses(): number {
    return this.keyCount;
  }

  /** VM slot that held IPv4 `ip` (unsigned 32-bit) at `tMs`, or -1. */
  lookupV4(ip: number, tMs: number): number {
    if ((this.v4sixteens[ip >>> 21] & (1 << ((ip >>> 16) & 31))) === 0) return -1;
    const t = this.table4;
    const mask = this.mask4;
    const key = ip | 0;
    let h = Math.imul(ip, GOLDEN) >>> this.shift4;
    for (;;) {
      const b = h * SLOT4;
      const e = t[b + 1];
      if (e === EMPTY) return -1;
      if (t[b] === key) {
        // The direct answer holds when the record is at or after the (rounded-up) start; records
        // in the interval's first minute, or before it, take the chain, which is exact.
        const vm = t[b + 2];
        if (vm >= 0 && tMs >= t[b + 3] * MINUTE_MS) return vm;
        return this.findInterval(e, tMs);
      }
      h = (h + 1) & mask;
    }
  }

  /** VM slot that held the IPv6 address in words[off..off+3] at `tMs`, or -1. */
  lookupV6(words: ArrayLike<number>, off: number, tMs: number): number {
    const keys = this.keys6;
    const head = this.head6;
    const mask = this.mask6;
    const a = words[off] >>> 0;
    const b = words[off + 1] >>> 0;
    const c = words[off + 2] >>> 0;
    const d = words[off + 3] >>> 0;
    let h = hash6(a, b, c, d) >>> this.shift6;
    for (;;) {
      const e = head[h];
      if (e === EMPTY) return -1;
      const k = h << 2;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d)
        return this.findInterval(e, tMs);
      h = (h + 1) & mask;
    }
  }

  lookup(family: number, words: ArrayLike<number>, off: number, tMs: number): number {
    return family === 6 ? this.lookupV6(words, off, tMs) : this.lookupV4(words[off] >>> 0, tMs);
  }

  private findInterval(e: number, tMs: number): number {
    const ent = this.ent;
    for (let k = e; k !== EMPTY;) {
      const o = k << 2;
      if (tMs >= ent[o] && tMs < ent[o + 1]) return ent[o + 2];
      k = ent[o + 3];
    }
    return -1;
  }

  /** Used by the builder only. */
  insert(family: number, words: Uint32Array, off: number, vm: number, from: number, to: number): void {
    const e = this.entries++;
    const o = e << 2;
    this.ent[o] = from;
    this.ent[o + 1] = to;
    this.ent[o + 2] = vm;
    if (family === 4) {
      const ip = words[off] | 0;
      this.v4sixteens[ip >>> 21] |= 1 << ((ip >>> 16) & 31);
      const t = this.table4;
      let h = Math.imul(ip, GOLDEN) >>> this.shift4;
      while (t[h * SLOT4 + 1] !== EMPTY && t[h * SLOT4] !== ip) h = (h + 1) & this.mask4;
      const b = h * SLOT4;
      if (t[b + 1] === EMPTY) this.keyCount++;
      t[b] = ip;
      this.ent[o + 3] = t[b + 1];
      t[b + 1] = e;
      // The slot answers for an open-ended interval at the head of the chain (inserted last), as
      // the chain, which looks at its head first, would; any later interval turns that off.
      if (to === Infinity && !Number.isNaN(from)) {
        t[b + 2] = vm;
        t[b + 3] =
          from === -Infinity ? -0x80000000 : Math.max(-0x80000000, Math.min(0x7fffffff, Math.ceil(from / MINUTE_MS)));
      } else t[b + 2] = EMPTY;
    } else {
      const a = words[off];
      const b = words[off + 1];
      const c = words[off + 2];
      const d = words[off + 3];
      let h = hash6(a, b, c, d) >>> this.shift6;
      for (;;) {
        const k = h << 2;
        if (this.head6[h] === EMPTY) {
          this.keyCount++;
          this.keys6[k] = a;
          this.keys6[k + 1] = b;
          this.keys6[k + 2] = c;
          this.keys6[k + 3] = d;
          break;
        }
        if (this.keys6[k] === a && this.keys6[k + 1] === b && this.keys6[k + 2] === c && this.keys6[k + 3] === d) break;
        h = (h + 1) & this.mask6;
      }
      this.ent[o + 3] = this.head6[h];
      this.head6[h] = e;
    }
  }
}

function hash6(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x27d4eb2d, GOLDEN);
  h = Math.imul(h ^ b, GOLDEN);
  h = Math.imul(h ^ c, GOLDEN);
  h = Math.imul(h ^ d, GOLDEN);
  return (h ^ (h >>> 15)) >>> 0;
}
