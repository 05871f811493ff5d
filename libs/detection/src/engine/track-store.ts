import { formatPeer } from './detection';
import { fmix32 } from './hash';

/** Current-bucket counters of a track, offsets inside its counter block (Float32). */
export const C_FLOWS = 0;
export const C_PACKETS = 1;
export const C_BYTES = 2;
export const C_SYN_PK = 3;
export const C_TCP_PK = 4;
export const C_UDP_PK = 5;
export const C_ICMP_PK = 6;
/** First start and last end of the bucket's records, in ms after the bucket start. */
export const C_SPAN_START = 7;
export const C_SPAN_END = 8;
export const C_INTERNAL_FLOWS = 9;
export const NC = 10;

/** Heavy-peer row fields (word offsets inside a row). */
export const K_META = 0; // Int32: family (bits 0-2), internal (bit 3); 0 = empty
export const K_W0 = 1; // Int32: address word 0 (IPv6 words 1-3 live in `kWords6`)
export const K_VM = 2; // Int32: peer VM slot or -1
export const K_PORTS = 3; // 2 x Int32: 64-bit bitmap of hashed destination ports
export const K_COUNT = 5; // Float32 from here: space-saving weight (packets); error = count - packets
export const K_PACKETS = 6; // packets since the row was taken: a lower bound of the truth
export const K_FLOWS = 7;
export const K_BYTES = 8;
export const K_SYN = 9;
export const K_UDP = 10;
export const K_ICMP = 11;
export const K_FIRST = 12; // ms after the bucket start (may be negative)
export const K_LAST = 13;
export const NK = 14;

/** Header words of a track block (Int32 unless noted). */
export const H_CUR = 0; // current bucket
export const H_EVAL = 1; // last window end evaluated
export const H_STATE = 2; // bit 0 dirty, bits 8-15 active incidents, bits 16-17 role, bits 24-30 active kinds
export const H_VM = 3;
export const H_LAST_REL = 4; // Float32: newest event time, ms after the current bucket start
export const H_SELF = 6; // own address word 0 (IPv4)
export const H_SELF_FAM = 7;
export const H_ARRIVAL = 8; // engine-clock bucket of the newest record delivered for the side
export const H_FLOOD_NEXT = 9; // Float32: current-bucket packets before the flood trigger looks again
/** First bit of the active-kinds mask in H_STATE (read per record: kept in the block, not an array). */
export const ACTIVE_SHIFT = 24;
const HDR = 10;

/**
 * Per-track state (one VM side: VM x role) in one contiguous block of 32-bit words per track,
 * so the per-record work touches a few adjacent cache lines instead of a dozen arrays:
 * header, current-bucket counters (for FastNetMon-style host limits), rate slots (the bucket cut
 * into 5-s slots, for peak rates), and a space-saving top-k of peers by packets (Metwally et al.
 * 2005), from which per-peer rates are read. Window-long evidence lives in the detectors' states,
 * which exist only for sides that show the traffic they look at. Slots are reused through a free
 * list and the arrays grow by doubling.
 */
export class TrackStore {
  capacity = 0;
  /** Highest slot ever used + 1 (iteration bound). */
  high = 0;
  live = 0;
  private free: number[] = [];

  /** Words per track and block offsets. */
  readonly stride: number;
  readonly oCnt: number;
  readonly oSub: number;
  readonly oTop: number;

  /** The blocks: the same buffer as Int32 and as Float32. */
  i32!: Int32Array;
  f32!: Float32Array;
  /** IPv6 words 1-3 of heavy peers and of the track's own address. */
  kWords6: Uint32Array = new Uint32Array(0);
  self6: Uint32Array = new Uint32Array(0);

  constructor(
    readonly k: number,
    /** Rate slots per bucket (bucket / rate span, e.g. 60 s / 5 s = 12). */
    readonly subSlots: number,
    readonly bucketMs: number,
    initial = 1024,
  ) {
    this.oCnt = HDR;
    this.oSub = this.oCnt + NC;
    this.oTop = this.oSub + subSlots * 2;
    this.stride = (this.oTop + k * NK + 1) & ~1; // 8-byte aligned
    this.grow(initial);
  }

  // ------------------------------------------------------------------ header accessors

  cur(t: number): number {
    return this.i32[t * this.stride + H_CUR];
  }

  evaluated(t: number): number {
    return this.i32[t * this.stride + H_EVAL];
  }

  setEvaluated(t: number, e: number): void {
    this.i32[t * this.stride + H_EVAL] = e;
  }

  dirty(t: number): boolean {
    return (this.i32[t * this.stride + H_STATE] & 1) !== 0;
  }

  setDirty(t: number, on: boolean): void {
    const a = t * this.stride + H_STATE;
    this.i32[a] = on ? this.i32[a] | 1 : this.i32[a] & ~1;
  }

  incidents(t: number): number {
    return (this.i32[t * this.stride + H_STATE] >>> 8) & 255;
  }

  setIncidents(t: number, n: number): void {
    const a = t * this.stride + H_STATE;
    this.i32[a] = (this.i32[a] & ~0xff00) | (Math.min(n, 255) << 8);
  }

  /** Kinds (bit KIND_INDEX) with an active incident on the side. */
  activeKinds(t: number): number {
    return (this.i32[t * this.stride + H_STATE] >>> ACTIVE_SHIFT) & 0x7f;
  }

  setActiveKinds(t: number, mask: number): void {
    const a = t * this.stride + H_STATE;
    this.i32[a] = (this.i32[a] & ~(0x7f << ACTIVE_SHIFT)) | ((mask & 0x7f) << ACTIVE_SHIFT);
  }

  /** 0 free, 1 source, 2 target. */
  role(t: number): number {
    return (this.i32[t * this.stride + H_STATE] >>> 16) & 3;
  }

  vm(t: number): number {
    return this.i32[t * this.stride + H_VM];
  }

  lastEventMs(t: number): number {
    const b = t * this.stride;
    return this.i32[b + H_CUR] * this.bucketMs + this.f32[b + H_LAST_REL];
  }

  setLastEventMs(t: number, ms: number): void {
    const b = t * this.stride;
    this.f32[b + H_LAST_REL] = ms - this.i32[b + H_CUR] * this.bucketMs;
  }

  /** Engine-clock bucket in which the newest record for the side was delivered. */
  arrival(t: number): number {
    return this.i32[t * this.stride + H_ARRIVAL];
  }

  setArrival(t: number, bucket: number): void {
    const a = t * this.stride + H_ARRIVAL;
    if (bucket > this.i32[a]) this.i32[a] = bucket;
  }

  selfAddress(t: number): string {
    const b = t * this.stride;
    const fam = this.i32[b + H_SELF_FAM];
    const w = new Uint32Array(4);
    w[0] = this.i32[b + H_SELF];
    if (fam === 6) for (let j = 1; j < 4; j++) w[j] = this.self6[t * 3 + j - 1];
    return formatPeer(fam, w, 0);
  }

  // ------------------------------------------------------------------ life cycle

  alloc(vmSlot: number, role: number, bucket: number): number {
    let t = this.free.pop();
    if (t === undefined) {
      if (this.high === this.capacity) this.grow(this.capacity * 2);
      t = this.high++;
    }
    const b = t * this.stride;
    this.i32.fill(0, b, b + this.stride);
    this.i32[b + H_VM] = vmSlot;
    this.i32[b + H_STATE] = role << 16;
    this.i32[b + H_CUR] = bucket;
    this.i32[b + H_EVAL] = bucket - 1;
    this.f32[b + H_LAST_REL] = -Infinity;
    this.resetCurrent(t, bucket);
    this.live++;
    return t;
  }

  release(t: number): void {
    this.i32[t * this.stride + H_STATE] = 0;
    this.i32[t * this.stride + H_VM] = -1;
    this.free.push(t);
    this.live--;
  }

  /** Starts a new current bucket: counters, rate slots and heavy peers are zeroed. */
  resetCurrent(t: number, bucket: number): void {
    const b = t * this.stride;
    const last = this.lastEventMs(t);
    this.i32[b + H_CUR] = bucket;
    this.f32[b + H_LAST_REL] = last - bucket * this.bucketMs;
    this.f32.fill(0, b + this.oCnt, b + this.stride);
    this.f32[b + H_FLOOD_NEXT] = 0;
    this.f32[b + this.oCnt + C_SPAN_START] = Infinity;
    this.f32[b + this.oCnt + C_SPAN_END] = -Infinity;
  }

  // ------------------------------------------------------------------ heavy peers

  /**
   * Space-saving update: add `pk` packets for the peer at words[off..]. A newcomer replaces the
   * lightest row and inherits its count as error, so counts are upper bounds and K_PACKETS lower
   * bounds; a flood from millions of spoofed sources churns the rows and no single one grows.
   * Returns the peer's row index (0..k-1).
   */
  topAdd(
    t: number,
    words: Uint32Array,
    off: number,
    family: number,
    internal: boolean,
    peerVm: number,
    pk: number,
    bytes: number,
    synPk: number,
    udpPk: number,
    icmpPk: number,
    relFirst: number,
    relLast: number,
    dstPort: number,
  ): number {
    const k = this.k;
    const i32 = this.i32;
    const f32 = this.f32;
    const base = t * this.stride + this.oTop;
    const w0 = words[off] | 0;
    let row = -1;
    let empty = -1;
    let minRow = -1;
    let min = Infinity;
    for (let j = 0; j < k; j++) {
      const r = base + j * NK;
      const m = i32[r + K_META];
      if (m === 0) {
        if (empty < 0) empty = r;
        continue;
      }
      if ((m & 7) === family && i32[r + K_W0] === w0) {
        if (family !== 6 || this.sameV6(t * k + j, words, off)) {
          row = r;
          break;
        }
      }
      const c = f32[r + K_COUNT];
      if (c < min) {
        min = c;
        minRow = r;
      }
    }
    if (row < 0) {
      let err = 0;
      if (empty >= 0) row = empty;
      else {
        row = minRow;
        err = min;
      }
      i32[row + K_META] = family | (internal ? 8 : 0);
      i32[row + K_W0] = w0;
      i32[row + K_VM] = peerVm;
      i32[row + K_PORTS] = 0;
      i32[row + K_PORTS + 1] = 0;
      if (family === 6) {
        this.ensureV6();
        const v = (t * k + (row - base) / NK) * 3;
        this.kWords6[v] = words[off + 1];
        this.kWords6[v + 1] = words[off + 2];
        this.kWords6[v + 2] = words[off + 3];
      }
      f32[row + K_COUNT] = err;
      f32[row + K_PACKETS] = 0;
      f32[row + K_FLOWS] = 0;
      f32[row + K_BYTES] = 0;
      f32[row + K_SYN] = 0;
      f32[row + K_UDP] = 0;
      f32[row + K_ICMP] = 0;
      f32[row + K_FIRST] = relFirst;
      f32[row + K_LAST] = relLast;
    } else {
      if (relFirst < f32[row + K_FIRST]) f32[row + K_FIRST] = relFirst;
      if (relLast > f32[row + K_LAST]) f32[row + K_LAST] = relLast;
    }
    f32[row + K_COUNT] += pk;
    f32[row + K_PACKETS] += pk;
    f32[row + K_FLOWS] += 1;
    f32[row + K_BYTES] += bytes;
    if (synPk !== 0) f32[row + K_SYN] += synPk;
    if (udpPk !== 0) f32[row + K_UDP] += udpPk;
    if (icmpPk !== 0) f32[row + K_ICMP] += icmpPk;
    const ph = fmix32(dstPort) >>> 26; // 0..63
    i32[row + K_PORTS + (ph >>> 5)] |= 1 << (ph & 31);
    return (row - base) / NK;
  }

  /** Word offset of heavy-peer row j of track t. */
  row(t: number, j: number): number {
    return t * this.stride + this.oTop + j * NK;
  }

  /** Row offset of the peer in the track's top-k, or -1. */
  topFind(t: number, words: ArrayLike<number>, off: number, family: number): number {
    for (let j = 0; j < this.k; j++) {
      const r = this.row(t, j);
      const m = this.i32[r + K_META];
      if (m === 0 || (m & 7) !== family || this.i32[r + K_W0] !== (words[off] | 0)) continue;
      if (family === 6 && !this.sameV6(t * this.k + j, words, off)) continue;
      return r;
    }
    return -1;
  }

  /** The peer's address words of row j into out[0..3]. */
  rowWords(t: number, j: number, out: Uint32Array): void {
    const r = this.row(t, j);
    out[0] = this.i32[r + K_W0];
    const v = (t * this.k + j) * 3;
    const v6 = (this.i32[r + K_META] & 7) === 6;
    out[1] = v6 ? this.kWords6[v] : 0;
    out[2] = v6 ? this.kWords6[v + 1] : 0;
    out[3] = v6 ? this.kWords6[v + 2] : 0;
  }

  /**
   * Upper bound of the packets the peer sent in the track's current bucket: its row's count, or,
   * when it holds no row and the table is full, the lightest row's count (space-saving guarantee).
   */
  topUpperBound(t: number, words: ArrayLike<number>, off: number, family: number): number {
    const r = this.topFind(t, words, off, family);
    if (r >= 0) return this.f32[r + K_COUNT];
    let min = Infinity;
    for (let j = 0; j < this.k; j++) {
      const q = this.row(t, j);
      if (this.i32[q + K_META] === 0) return 0;
      const c = this.f32[q + K_COUNT];
      if (c < min) min = c;
    }
    return min === Infinity ? 0 : min;
  }

  /** Estimated distinct destination ports of a row (linear counting over 64 bits). */
  topPortSpread(r: number): number {
    const z = 64 - popcount(this.i32[r + K_PORTS]) - popcount(this.i32[r + K_PORTS + 1]);
    if (z === 0) return 64 * Math.log(64);
    return Math.round(-64 * Math.log(z / 64));
  }

  // ------------------------------------------------------------------ rate slots

  /**
   * Spreads a record's packets evenly over the rate slots its [start, end] covers inside the
   * current bucket (the part before the bucket belongs to buckets already closed). Times are ms
   * after the bucket start.
   */
  spread(t: number, slotMs: number, relStart: number, relEnd: number, pk: number, synPk: number): void {
    const n = this.subSlots;
    const base = t * this.stride + this.oSub;
    const f32 = this.f32;
    const from = relStart < 0 ? 0 : relStart;
    let a = Math.floor(from / slotMs);
    let b = Math.floor(relEnd / slotMs);
    if (b >= n) b = n - 1;
    if (a > b) a = b;
    if (a === b) {
      const share = relStart < 0 && relEnd > relStart ? (relEnd - from) / (relEnd - relStart) : 1;
      f32[base + a * 2] += pk * share;
      if (synPk !== 0) f32[base + a * 2 + 1] += synPk * share;
      return;
    }
    const dur = relEnd - relStart;
    for (let j = a; j <= b; j++) {
      const s0 = Math.max(from, j * slotMs);
      const s1 = Math.min(relEnd, (j + 1) * slotMs);
      const share = (s1 - s0) / dur;
      f32[base + j * 2] += pk * share;
      f32[base + j * 2 + 1] += synPk * share;
    }
  }

  /** Highest packets (field 0) or half-open packets (field 1) in one rate slot of the current bucket. */
  peak(t: number, field: number): number {
    const base = t * this.stride + this.oSub;
    let m = 0;
    for (let j = 0; j < this.subSlots; j++) if (this.f32[base + j * 2 + field] > m) m = this.f32[base + j * 2 + field];
    return m;
  }

  /** Current-bucket counter. */
  count(t: number, c: number): number {
    return this.f32[t * this.stride + this.oCnt + c];
  }

  /** Bytes held per track (for memory reports). */
  bytesPerTrack(): number {
    return this.stride * 4 + 12;
  }

  /** IPv6 side arrays exist only once an IPv6 address was seen. */
  private ensureV6(): void {
    if (this.kWords6.length === 0) this.growV6(this.capacity);
  }

  private growV6(cap: number): void {
    const kw = new Uint32Array(cap * this.k * 3);
    kw.set(this.kWords6);
    this.kWords6 = kw;
    const s6 = new Uint32Array(cap * 3);
    s6.set(this.self6);
    this.self6 = s6;
  }

  private sameV6(kRow: number, words: ArrayLike<number>, off: number): boolean {
    const v = kRow * 3;
    return (
      this.kWords6[v] === words[off + 1] >>> 0 &&
      this.kWords6[v + 1] === words[off + 2] >>> 0 &&
      this.kWords6[v + 2] === words[off + 3] >>> 0
    );
  }

  private grow(cap: number): void {
    const buf = new ArrayBuffer(cap * this.stride * 4);
    const i32 = new Int32Array(buf);
    if (this.i32) i32.set(this.i32);
    this.i32 = i32;
    this.f32 = new Float32Array(buf);
    if (this.kWords6.length > 0) this.growV6(cap);
    this.capacity = cap;
  }

  /** Records the side's own address (for mirror findings). */
  setSelf(t: number, words: Uint32Array, off: number, family: number): void {
    const b = t * this.stride;
    this.i32[b + H_SELF] = words[off];
    this.i32[b + H_SELF_FAM] = family;
    if (family === 6) {
      this.ensureV6();
      this.self6[t * 3] = words[off + 1];
      this.self6[t * 3 + 1] = words[off + 2];
      this.self6[t * 3 + 2] = words[off + 3];
    }
  }
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
