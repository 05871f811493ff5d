/**
 * HyperLogLog (Flajolet et al. 2007) over 32-bit hashes, with the linear-counting correction for
 * small cardinalities and the 2^32 correction for large ones. Registers are bytes in a caller's
 * buffer so several sketches (one per time bucket) can share one allocation.
 */
export class HyperLogLog {
  readonly m: number;
  readonly registers: Uint8Array;

  constructor(
    readonly p: number,
    registers?: Uint8Array,
    readonly offset = 0,
  ) {
    if (p < 4 || p > 16) throw new Error('HyperLogLog precision must be 4..16');
    this.m = 1 << p;
    this.registers = registers ?? new Uint8Array(this.m);
  }

  /** Adds an already mixed 32-bit hash. */
  add(hash: number): void {
    HyperLogLog.addTo(this.registers, this.offset, this.p, hash);
  }

  count(): number {
    return HyperLogLog.estimate(this.registers, this.offset, this.p);
  }

  merge(other: HyperLogLog): void {
    if (other.p !== this.p) throw new Error('HyperLogLog precision mismatch');
    HyperLogLog.mergeInto(this.registers, this.offset, other.registers, other.offset, this.m);
  }

  clear(): void {
    this.registers.fill(0, this.offset, this.offset + this.m);
  }

  static addTo(regs: Uint8Array, off: number, p: number, hash: number): void {
    const idx = hash >>> (32 - p);
    const w = (hash << p) >>> 0;
    const rho = w === 0 ? 33 - p : Math.clz32(w) + 1;
    const at = off + idx;
    if (rho > regs[at]) regs[at] = rho;
  }

  static mergeInto(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, m: number): void {
    for (let j = 0; j < m; j++) if (src[srcOff + j] > dst[dstOff + j]) dst[dstOff + j] = src[srcOff + j];
  }

  static estimate(regs: Uint8Array, off: number, p: number): number {
    const m = 1 << p;
    let sum = 0;
    let zeros = 0;
    for (let j = 0; j < m; j++) {
      const r = regs[off + j];
      sum += 1 / (1 << r);
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    let e = (alpha * m * m) / sum;
    if (e <= 2.5 * m) {
      if (zeros > 0) e = m * Math.log(m / zeros);
    } else if (e > 4294967296 / 30) {
      e = -4294967296 * Math.log(1 - e / 4294967296);
    }
    return Math.round(e);
  }
}
