/**
 * What an exporter's header sequence number counts. The RFCs say: v5 flows before this datagram,
 * v9 datagrams, IPFIX data records before this message. Real exporters differ (softflowd 1.1.0
 * puts the records *including* this message's in its IPFIX header), so every plausible reading
 * is tracked side by side and the one that explains the stream best is reported.
 */
export const SequenceUnit = {
  /** Data records sent before this datagram (RFC 7011, and v5 flow_sequence). */
  RECORDS: 0,
  /** Flow records sent up to and including this datagram (softflowd IPFIX). */
  RECORDS_INCLUSIVE: 1,
  /** Datagrams (RFC 3954). */
  DATAGRAMS: 2,
} as const;
export type SequenceUnit = (typeof SequenceUnit)[keyof typeof SequenceUnit];
export const SEQUENCE_UNIT_NAMES = ['records', 'records-inclusive', 'datagrams'] as const;

const UNITS = 3;

export interface SequenceLimits {
  /** A forward jump larger than this (in the unit) is a restart or a resynchronisation, not loss. */
  maxGapRecords: number;
  maxGapDatagrams: number;
  /** A backward step this small is a late (reordered) or duplicated datagram; larger is a restart. */
  reorderRecords: number;
  reorderDatagrams: number;
}

export const DEFAULT_SEQUENCE_LIMITS: SequenceLimits = {
  maxGapRecords: 1 << 24,
  maxGapDatagrams: 1 << 20,
  reorderRecords: 1 << 14,
  reorderDatagrams: 512,
};

/**
 * Estimates records lost between one exporter stream (exporter + source id / observation domain)
 * and us, from header sequence numbers. Work per datagram is a few additions; nothing allocates.
 * Arithmetic is modulo 2^32, so counter wrap-around is not loss; a large backward jump (or an
 * implausibly large forward one) is taken as an exporter restart and only resynchronises.
 */
export class SequenceTracker {
  /** Datagrams seen on this stream. */
  datagrams = 0;
  /** Flow records decoded from this stream. */
  received = 0;
  /** Times the stream was resynchronised because of a restart or an unexplainable jump. */
  resets = 0;

  private readonly expected = new Float64Array(UNITS);
  private readonly lostUnits = new Float64Array(UNITS);
  private readonly hits = new Float64Array(UNITS);
  private synced = false;

  constructor(
    /** Bit (1 << unit) for every unit this protocol's exporters may use. */
    private readonly candidates: number,
    /** The unit the protocol's RFC prescribes; it wins ties. */
    private readonly preferred: SequenceUnit,
    private readonly limits: SequenceLimits = DEFAULT_SEQUENCE_LIMITS,
  ) {}

  /**
   * Accounts one datagram. `dataRecords` counts every data record in it (options data too),
   * `flowRecords` only the flow records.
   */
  observe(seq: number, dataRecords: number, flowRecords: number): void {
    this.datagrams++;
    seq >>>= 0;
    if (!this.synced) {
      this.resync(seq, dataRecords);
      return;
    }
    let outOfWindow = 0;
    let considered = 0;
    for (let u = 0; u < UNITS; u++) {
      if ((this.candidates & (1 << u)) === 0) continue;
      considered++;
      const units = u === SequenceUnit.DATAGRAMS ? 1 : u === SequenceUnit.RECORDS ? dataRecords : flowRecords;
      const first = u === SequenceUnit.RECORDS_INCLUSIVE ? (seq - flowRecords) >>> 0 : seq;
      const next = (first + units) >>> 0;
      const diff = (first - this.expected[u]) | 0;
      const maxGap = u === SequenceUnit.DATAGRAMS ? this.limits.maxGapDatagrams : this.limits.maxGapRecords;
      const window = u === SequenceUnit.DATAGRAMS ? this.limits.reorderDatagrams : this.limits.reorderRecords;
      if (diff === 0) {
        this.hits[u]++;
      } else if (diff > 0 && diff <= maxGap) {
        this.lostUnits[u] += diff;
      } else if (diff < 0 && diff >= -window) {
        // A late datagram fills part of a gap counted earlier; never move the expectation back.
        this.lostUnits[u] = Math.max(0, this.lostUnits[u] - units);
        if (((next - this.expected[u]) | 0) > 0) this.expected[u] = next;
        continue;
      } else {
        outOfWindow++;
      }
      this.expected[u] = next;
    }
    if (considered > 0 && outOfWindow === considered) this.resets++;
  }

  /**
   * Accounts a datagram whose record count is unknown (data held for a template, or a malformed
   * datagram): the next datagram only resynchronises.
   */
  skip(): void {
    this.datagrams++;
    this.synced = false;
  }

  /** The exporter restarted (seen from its uptime): start over without counting loss. */
  restart(): void {
    if (this.synced) this.resets++;
    this.synced = false;
  }

  /** The unit that explains the stream best so far. */
  get unit(): SequenceUnit {
    let best: number = this.preferred;
    for (let u = 0; u < UNITS; u++) {
      if ((this.candidates & (1 << u)) !== 0 && this.hits[u] > this.hits[best]) best = u;
    }
    return best as SequenceUnit;
  }

  /** Estimated flow records lost (lost datagrams are scaled by the mean records per datagram). */
  get lost(): number {
    const u = this.unit;
    if (u !== SequenceUnit.DATAGRAMS) return this.lostUnits[u];
    return this.datagrams === 0 ? 0 : Math.round((this.lostUnits[u] * this.received) / this.datagrams);
  }

  /** Estimated datagrams lost, where the exporter counts datagrams; otherwise records / mean size. */
  get lostDatagrams(): number {
    const u = this.unit;
    if (u === SequenceUnit.DATAGRAMS) return this.lostUnits[u];
    return this.received === 0 ? 0 : Math.round((this.lostUnits[u] * this.datagrams) / this.received);
  }

  private resync(seq: number, dataRecords: number): void {
    this.synced = true;
    this.expected[SequenceUnit.RECORDS] = (seq + dataRecords) >>> 0;
    this.expected[SequenceUnit.RECORDS_INCLUSIVE] = seq;
    this.expected[SequenceUnit.DATAGRAMS] = (seq + 1) >>> 0;
  }
}
