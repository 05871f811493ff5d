import { parseIPv4, parseIPv6 } from '@sg/common';

/**
 * Builds NetFlow v5, v9 and IPFIX datagrams byte by byte, for tests and the benchmark. Not used
 * on the decoding path.
 */

/** [element id, length, enterprise number]; length 65535 = variable length. */
export type FieldSpec = readonly [number, number, number?];
/** A number, an IPv4/IPv6 address string, or raw bytes (variable-length fields take any size). */
export type FieldValue = number | bigint | string | Uint8Array;

export interface V5Flow {
  src: string;
  dst: string;
  srcPort?: number;
  dstPort?: number;
  proto?: number;
  tcpFlags?: number;
  packets: number;
  bytes: number;
  /** sysUptime ms at the first and last packet. */
  first: number;
  last: number;
}

export interface V5Header {
  sysUptime: number;
  unixSecs: number;
  unixNsecs?: number;
  sequence?: number;
  engineType?: number;
  engineId?: number;
  /** The raw 16-bit field: 2 mode bits + 14 interval bits. */
  sampling?: number;
  /** Overrides the record count written in the header (for lying-header tests). */
  count?: number;
}

export function buildNetflowV5(h: V5Header, flows: V5Flow[]): Buffer {
  const b = Buffer.alloc(24 + 48 * flows.length);
  b.writeUInt16BE(5, 0);
  b.writeUInt16BE(h.count ?? flows.length, 2);
  b.writeUInt32BE(h.sysUptime >>> 0, 4);
  b.writeUInt32BE(h.unixSecs >>> 0, 8);
  b.writeUInt32BE((h.unixNsecs ?? 0) >>> 0, 12);
  b.writeUInt32BE((h.sequence ?? 0) >>> 0, 16);
  b[20] = h.engineType ?? 0;
  b[21] = h.engineId ?? 0;
  b.writeUInt16BE(h.sampling ?? 0, 22);
  flows.forEach((f, r) => {
    const p = 24 + 48 * r;
    b.writeUInt32BE(parseIPv4(f.src), p);
    b.writeUInt32BE(parseIPv4(f.dst), p + 4);
    b.writeUInt32BE(f.packets >>> 0, p + 16);
    b.writeUInt32BE(f.bytes >>> 0, p + 20);
    b.writeUInt32BE(f.first >>> 0, p + 24);
    b.writeUInt32BE(f.last >>> 0, p + 28);
    b.writeUInt16BE(f.srcPort ?? 0, p + 32);
    b.writeUInt16BE(f.dstPort ?? 0, p + 34);
    b[p + 37] = f.tcpFlags ?? 0;
    b[p + 38] = f.proto ?? 6;
  });
  return b;
}

export interface TemplatedHeader {
  sequence?: number;
  /** IPFIX observation domain or v9 source id. */
  domain?: number;
  /** IPFIX export time / v9 unix_secs. */
  exportSecs?: number;
  /** v9 only. */
  sysUptime?: number;
  /** Overrides the v9 count / IPFIX length written in the header. */
  headerCount?: number;
  headerLength?: number;
}

/**
 * Sets for one v9 or IPFIX datagram. Templates defined here (or passed in the shared map) tell
 * data() how to encode values.
 */
export class TemplatedPacketBuilder {
  private readonly sets: Buffer[] = [];
  private records = 0;

  constructor(
    readonly version: 9 | 10,
    readonly known: Map<number, FieldSpec[]> = new Map(),
  ) {}

  template(id: number, fields: FieldSpec[]): this {
    this.known.set(id, [...fields]);
    const body = Buffer.concat([u16(id), u16(fields.length), specs(fields)]);
    return this.set(this.version === 10 ? 2 : 0, body, 1);
  }

  optionsTemplate(id: number, scope: FieldSpec[], fields: FieldSpec[]): this {
    this.known.set(id, [...scope, ...fields]);
    const head =
      this.version === 10
        ? Buffer.concat([u16(id), u16(scope.length + fields.length), u16(scope.length)])
        : Buffer.concat([u16(id), u16(scope.length * 4), u16(fields.length * 4)]);
    return this.set(this.version === 10 ? 3 : 1, Buffer.concat([head, specs(scope), specs(fields)]), 1);
  }

  /** IPFIX template withdrawal; id 2 (or 3 with options) withdraws all. */
  withdraw(id: number, options = false): this {
    if (id !== 2 && id !== 3) this.known.delete(id);
    return this.set(options ? 3 : 2, Buffer.concat([u16(id), u16(0)]), 0);
  }

  data(id: number, rows: FieldValue[][], padTo4 = true): this {
    const fields = this.known.get(id);
    if (!fields) throw new Error(`template ${id} unknown to the builder`);
    const parts: Buffer[] = [];
    for (const row of rows) fields.forEach(([, len], k) => parts.push(encode(row[k], len)));
    let body = Buffer.concat(parts);
    if (padTo4 && (body.length + 4) % 4 !== 0) body = Buffer.concat([body, Buffer.alloc(4 - ((body.length + 4) % 4))]);
    return this.set(id, body, rows.length);
  }

  /** A set with any id and body, for malformed-input tests. */
  set(setId: number, body: Uint8Array, records = 0): this {
    this.sets.push(Buffer.concat([u16(setId), u16(body.length + 4), body]));
    this.records += records;
    return this;
  }

  build(h: TemplatedHeader = {}): Buffer {
    const body = Buffer.concat(this.sets);
    if (this.version === 10) {
      const head = Buffer.alloc(16);
      head.writeUInt16BE(10, 0);
      head.writeUInt16BE(h.headerLength ?? 16 + body.length, 2);
      head.writeUInt32BE((h.exportSecs ?? 0) >>> 0, 4);
      head.writeUInt32BE((h.sequence ?? 0) >>> 0, 8);
      head.writeUInt32BE((h.domain ?? 0) >>> 0, 12);
      return Buffer.concat([head, body]);
    }
    const head = Buffer.alloc(20);
    head.writeUInt16BE(9, 0);
    head.writeUInt16BE(h.headerCount ?? this.records, 2);
    head.writeUInt32BE((h.sysUptime ?? 0) >>> 0, 4);
    head.writeUInt32BE((h.exportSecs ?? 0) >>> 0, 8);
    head.writeUInt32BE((h.sequence ?? 0) >>> 0, 12);
    head.writeUInt32BE((h.domain ?? 0) >>> 0, 16);
    return Buffer.concat([head, body]);
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff, 0);
  return b;
}

function specs(fields: FieldSpec[]): Buffer {
  return Buffer.concat(
    fields.map(([id, len, pen]) => {
      const b = Buffer.alloc(pen === undefined ? 4 : 8);
      b.writeUInt16BE(pen === undefined ? id : (id | 0x8000) & 0xffff, 0);
      b.writeUInt16BE(len, 2);
      if (pen !== undefined) b.writeUInt32BE(pen >>> 0, 4);
      return b;
    }),
  );
}

function encode(v: FieldValue | undefined, len: number): Buffer {
  if (len === 65535) {
    const data = v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(String(v ?? ''));
    const prefix =
      data.length < 255 ? Buffer.from([data.length]) : Buffer.concat([Buffer.from([255]), u16(data.length)]);
    return Buffer.concat([prefix, data]);
  }
  const b = Buffer.alloc(len);
  if (v === undefined) return b;
  if (v instanceof Uint8Array) {
    Buffer.from(v).copy(b, 0, 0, len);
    return b;
  }
  if (typeof v === 'string') {
    if (len === 4) b.writeUInt32BE(parseIPv4(v), 0);
    else {
      const w = parseIPv6(v);
      if (!w || len !== 16) throw new Error(`cannot encode ${v} in ${len} bytes`);
      for (let k = 0; k < 4; k++) b.writeUInt32BE(w[k], k * 4);
    }
    return b;
  }
  let n = BigInt(v);
  for (let k = len - 1; k >= 0; k--) {
    b[k] = Number(n & 0xffn);
    n >>= 8n;
  }
  return b;
}
