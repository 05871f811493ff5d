/**
 * The one normalized flow shape, stored column-wise.
 *
 * Decoders write records straight into typed-array columns of a reusable batch, so the per-record
 * path (decode -> attribute -> detect) allocates nothing. A batch is handed to its consumer when it
 * is full or when the producer flushes it; the consumer must copy whatever it keeps, because the
 * batch is reset and reused as soon as the consumer returns.
 *
 * Addresses: four 32-bit words per record in network order (word 0 is the most significant).
 * An IPv4 record has family 4 and its address in word 0 (words 1-3 are zero).
 * Counts have the sampling rate already applied; `sampling` records the rate used (1 = unsampled).
 */
export const FlowSource = {
  NETFLOW_V5: 1,
  NETFLOW_V9: 2,
  IPFIX: 3,
  SFLOW: 4,
  AWS_VPC: 5,
  AZURE_NSG: 6,
  AZURE_VNET: 7,
} as const;
export type FlowSource = (typeof FlowSource)[keyof typeof FlowSource];
export const FLOW_SOURCE_NAMES: Record<FlowSource, string> = {
  1: 'netflow-v5',
  2: 'netflow-v9',
  3: 'ipfix',
  4: 'sflow',
  5: 'aws-vpc',
  6: 'azure-nsg',
  7: 'azure-vnet',
};

/** Whether the network let the flow through, where the source knows it (cloud flow logs do). */
export const FlowAction = { UNKNOWN: 0, ALLOW: 1, DENY: 2 } as const;
export type FlowAction = (typeof FlowAction)[keyof typeof FlowAction];

/** Set by attribution. */
export const FlowDirection = { UNATTRIBUTED: 0, INBOUND: 1, OUTBOUND: 2, INTERNAL: 3 } as const;
export type FlowDirection = (typeof FlowDirection)[keyof typeof FlowDirection];
export const FLOW_DIRECTION_NAMES = ['unattributed', 'inbound', 'outbound', 'internal'] as const;

/** TCP flag bits as carried by NetFlow/IPFIX tcpControlBits and AWS tcp-flags. */
export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

/** Record-level bit flags in `flags`. */
export const RecordFlag = {
  /** tcpFlags holds real flags (otherwise the source did not say). */
  TCP_FLAGS_KNOWN: 0x01,
} as const;

/** 4 float64 + 11 uint32/int32 + 2 uint16 + 6 uint8 columns. */
const BYTES_PER_RECORD = 4 * 8 + 11 * 4 + 2 * 2 + 6;

export class FlowBatch {
  length = 0;
  /** Where this batch came from; a batch never mixes sources or exporters. */
  source: FlowSource = FlowSource.NETFLOW_V5;
  /** The exporter's address, or the uploader's identity for HTTP ingestion. */
  exporter = '';
  /**
   * The flow-bus partition the records came from (-1: not from the bus). A detector analyses
   * only the VM ends of a record whose own partition this is (DetectionEngine.setBusPartitions),
   * so a VM-to-VM record that reaches it through both VMs' partitions counts once per end.
   */
  busPartition = -1;
  /**
   * Event time (ms) that every input going on together with this batch's has reached (HTTP
   * uploads side by side: the slowest one's), or 0 when the producer does not say (UDP): detection
   * moves its clock no further than this, so one input running ahead closes no window of another.
   */
  watermarkMs = 0;

  readonly startMs: Float64Array;
  readonly endMs: Float64Array;
  readonly family: Uint8Array;
  readonly srcAddr: Uint32Array;
  readonly dstAddr: Uint32Array;
  readonly srcPort: Uint16Array;
  readonly dstPort: Uint16Array;
  readonly proto: Uint8Array;
  readonly tcpFlags: Uint8Array;
  readonly flags: Uint8Array;
  readonly action: Uint8Array;
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
  readonly sampling: Uint32Array;

  /** Filled by attribution: inventory VM slot of each end (-1 when none) and the direction. */
  readonly srcVm: Int32Array;
  readonly dstVm: Int32Array;
  readonly direction: Uint8Array;

  /** Bytes of memory one batch of `capacity` records takes (see the `memory` constructor argument). */
  static byteLength(capacity: number): number {
    // Widest columns first keeps every column aligned; rounded so batches can be laid end to end.
    return (capacity * BYTES_PER_RECORD + 7) & ~7;
  }

  constructor(
    readonly capacity: number,
    /** Called when the batch is full (before the next record is added) and on flush(). */
    private readonly onFull: (batch: FlowBatch) => void = () => {},
    /**
     * Where the columns live: by default fresh memory; a SharedArrayBuffer region (at least
     * byteLength(capacity) bytes from byteOffset) lets another thread read the batch in place.
     */
    memory?: ArrayBufferLike,
    byteOffset = 0,
  ) {
    const buf = memory ?? new ArrayBuffer(FlowBatch.byteLength(capacity));
    let o = byteOffset;
    const take = (bytes: number): number => {
      const at = o;
      o += bytes;
      return at;
    };
    this.startMs = new Float64Array(buf, take(capacity * 8), capacity);
    this.endMs = new Float64Array(buf, take(capacity * 8), capacity);
    this.packets = new Float64Array(buf, take(capacity * 8), capacity);
    this.bytes = new Float64Array(buf, take(capacity * 8), capacity);
    this.srcAddr = new Uint32Array(buf, take(capacity * 16), capacity * 4);
    this.dstAddr = new Uint32Array(buf, take(capacity * 16), capacity * 4);
    this.sampling = new Uint32Array(buf, take(capacity * 4), capacity);
    this.srcVm = new Int32Array(buf, take(capacity * 4), capacity);
    this.dstVm = new Int32Array(buf, take(capacity * 4), capacity);
    this.srcPort = new Uint16Array(buf, take(capacity * 2), capacity);
    this.dstPort = new Uint16Array(buf, take(capacity * 2), capacity);
    this.family = new Uint8Array(buf, take(capacity), capacity);
    this.proto = new Uint8Array(buf, take(capacity), capacity);
    this.tcpFlags = new Uint8Array(buf, take(capacity), capacity);
    this.flags = new Uint8Array(buf, take(capacity), capacity);
    this.action = new Uint8Array(buf, take(capacity), capacity);
    this.direction = new Uint8Array(buf, take(capacity), capacity);
  }

  /**
   * Reserves the next record slot and returns its index, handing the batch to its consumer first
   * when it is full. Every column of the slot is reset to its neutral value, so a decoder only
   * writes the fields it knows.
   */
  next(): number {
    if (this.length === this.capacity) this.flush();
    const i = this.length++;
    const a = i << 2;
    this.srcAddr[a] = this.srcAddr[a + 1] = this.srcAddr[a + 2] = this.srcAddr[a + 3] = 0;
    this.dstAddr[a] = this.dstAddr[a + 1] = this.dstAddr[a + 2] = this.dstAddr[a + 3] = 0;
    this.family[i] = 4;
    this.startMs[i] = this.endMs[i] = 0;
    this.srcPort[i] = this.dstPort[i] = 0;
    this.proto[i] = this.tcpFlags[i] = this.flags[i] = this.action[i] = 0;
    this.packets[i] = this.bytes[i] = 0;
    this.sampling[i] = 1;
    this.srcVm[i] = this.dstVm[i] = -1;
    this.direction[i] = 0;
    return i;
  }

  /** Drops the record most recently reserved with next() (a decoder found it invalid half-way). */
  dropLast(): void {
    if (this.length > 0) this.length--;
  }

  /** Hands the records so far to the consumer (if any) and empties the batch. */
  flush(): void {
    if (this.length > 0) this.onFull(this);
    this.length = 0;
  }

  clear(): void {
    this.length = 0;
  }

  setV4(i: number, src: number, dst: number): void {
    this.family[i] = 4;
    this.srcAddr[i << 2] = src >>> 0;
    this.dstAddr[i << 2] = dst >>> 0;
  }

  /** Copies two 16-byte IPv6 addresses from a buffer at the given offsets. */
  setV6FromBuffer(i: number, buf: Uint8Array, srcOff: number, dstOff: number): void {
    this.family[i] = 6;
    const a = i << 2;
    for (let w = 0; w < 4; w++) {
      const s = srcOff + w * 4;
      const d = dstOff + w * 4;
      this.srcAddr[a + w] = ((buf[s] << 24) | (buf[s + 1] << 16) | (buf[s + 2] << 8) | buf[s + 3]) >>> 0;
      this.dstAddr[a + w] = ((buf[d] << 24) | (buf[d + 1] << 16) | (buf[d + 2] << 8) | buf[d + 3]) >>> 0;
    }
  }

  setTcpFlags(i: number, flags: number): void {
    this.tcpFlags[i] = flags & 0xff;
    this.flags[i] |= RecordFlag.TCP_FLAGS_KNOWN;
  }

  /** Copies record i of another batch into a new slot of this one; returns the new index. */
  copyFrom(other: FlowBatch, i: number): number {
    // Every column is written, so the slot is taken without next()'s reset (half the stores).
    if (this.length === this.capacity) this.flush();
    const j = this.length++;
    this.copyRecord(other, i, j);
    return j;
  }

  /**
   * Appends the records of another batch whose indexes are order[from, to), in that order,
   * flushing whenever this batch fills. For a consumer spreading one batch over many (the flow
   * bus's partitions): filling one destination at a time keeps its columns in cache, where a
   * record-by-record scatter writes to every column of every destination at once.
   */
  appendGathered(other: FlowBatch, order: Int32Array, from: number, to: number): void {
    while (from < to) {
      if (this.length === this.capacity) this.flush();
      const at = this.length;
      const k = Math.min(to - from, this.capacity - at);
      for (let m = 0; m < k; m++) this.copyRecord(other, order[from + m], at + m);
      this.length = at + k;
      from += k;
    }
  }

  /** Every column of record i of another batch into slot j of this one. */
  private copyRecord(other: FlowBatch, i: number, j: number): void {
    const a = i << 2;
    const b = j << 2;
    for (let w = 0; w < 4; w++) {
      this.srcAddr[b + w] = other.srcAddr[a + w];
      this.dstAddr[b + w] = other.dstAddr[a + w];
    }
    this.family[j] = other.family[i];
    this.startMs[j] = other.startMs[i];
    this.endMs[j] = other.endMs[i];
    this.srcPort[j] = other.srcPort[i];
    this.dstPort[j] = other.dstPort[i];
    this.proto[j] = other.proto[i];
    this.tcpFlags[j] = other.tcpFlags[i];
    this.flags[j] = other.flags[i];
    this.action[j] = other.action[i];
    this.packets[j] = other.packets[i];
    this.bytes[j] = other.bytes[i];
    this.sampling[j] = other.sampling[i];
    this.srcVm[j] = other.srcVm[i];
    this.dstVm[j] = other.dstVm[i];
    this.direction[j] = other.direction[i];
  }

  /**
   * Appends the records of [from, to) with a VM end in partition `index` of `count` (VM slot %
   * count === index), for detection split across threads by VM; count 1 is appendAttributed.
   */
  appendOwned(other: FlowBatch, from: number, to: number, index: number, count: number): number {
    if (count === 1) return this.appendAttributed(other, from, to);
    const before = this.length;
    const s = other.srcVm;
    const d = other.dstVm;
    for (let i = from; i < to; i++)
      if (inPartition(s[i], index, count) || inPartition(d[i], index, count)) this.copyFrom(other, i);
    return this.length - before;
  }

  /**
   * Appends the attributed records (direction set) of another batch's records [from, to), column
   * by column when all of them are; the caller makes sure they fit. Answers how many were copied.
   */
  appendAttributed(other: FlowBatch, from = 0, to = other.length): number {
    let all = true;
    for (let i = from; i < to; i++) if (other.direction[i] === 0) all = false;
    if (!all) {
      const before = this.length;
      for (let i = from; i < to; i++) if (other.direction[i] !== 0) this.copyFrom(other, i);
      return this.length - before;
    }
    const at = this.length;
    const n = to - from;
    this.startMs.set(other.startMs.subarray(from, to), at);
    this.endMs.set(other.endMs.subarray(from, to), at);
    this.packets.set(other.packets.subarray(from, to), at);
    this.bytes.set(other.bytes.subarray(from, to), at);
    this.srcAddr.set(other.srcAddr.subarray(from * 4, to * 4), at * 4);
    this.dstAddr.set(other.dstAddr.subarray(from * 4, to * 4), at * 4);
    this.sampling.set(other.sampling.subarray(from, to), at);
    this.srcVm.set(other.srcVm.subarray(from, to), at);
    this.dstVm.set(other.dstVm.subarray(from, to), at);
    this.srcPort.set(other.srcPort.subarray(from, to), at);
    this.dstPort.set(other.dstPort.subarray(from, to), at);
    this.family.set(other.family.subarray(from, to), at);
    this.proto.set(other.proto.subarray(from, to), at);
    this.tcpFlags.set(other.tcpFlags.subarray(from, to), at);
    this.flags.set(other.flags.subarray(from, to), at);
    this.action.set(other.action.subarray(from, to), at);
    this.direction.set(other.direction.subarray(from, to), at);
    this.length = at + n;
    return n;
  }
}

/** Whether VM slot `vm` (-1: no VM) is in partition `index` of `count` (detection split by VM slot). */
export function inPartition(vm: number, index: number, count: number): boolean {
  return vm >= 0 && (count === 1 || vm % count === index);
}
