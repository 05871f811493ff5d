import { DecodeStats } from '../decode-stats';
import { FlowAction, FlowBatch, FlowSource } from '../flow-batch';
import { IngestError, IngestResult, MAX_INGEST_ERRORS } from '../ingest-result';
import { parseIPv4Ascii, parseIPv6Ascii, parseUintAscii } from '../text/ascii';

/**
 * Streaming parser for AWS VPC Flow Logs text, as delivered to S3 (optionally with a header line
 * naming the fields) or CloudWatch (default version 2 format).
 *
 * Fed raw byte chunks split anywhere, it walks the bytes of each line in place and writes the
 * fields straight into a FlowBatch; only a line cut by a chunk boundary is copied, into one
 * fixed buffer. A bad line is counted and reported by number and parsing goes on; NODATA and
 * SKIPDATA lines are counted apart, as AWS writes them when an interface was idle or lost records.
 */

// Field ids. Unknown and unused fields are F_SKIP: their text is not even looked at.
const F_SKIP = 0;
const F_SRCADDR = 1;
const F_DSTADDR = 2;
const F_PKT_SRCADDR = 3;
const F_PKT_DSTADDR = 4;
const F_SRCPORT = 5;
const F_DSTPORT = 6;
const F_PROTOCOL = 7;
const F_PACKETS = 8;
const F_BYTES = 9;
const F_START = 10;
const F_END = 11;
const F_ACTION = 12;
const F_LOG_STATUS = 13;
const F_TCP_FLAGS = 14;
const F_FLOW_DIRECTION = 15;

/** Every field name AWS documents (versions 2-8); a header may name any of them. */
const FIELD_IDS: Record<string, number> = {
  version: F_SKIP,
  'account-id': F_SKIP,
  'interface-id': F_SKIP,
  srcaddr: F_SRCADDR,
  dstaddr: F_DSTADDR,
  srcport: F_SRCPORT,
  dstport: F_DSTPORT,
  protocol: F_PROTOCOL,
  packets: F_PACKETS,
  bytes: F_BYTES,
  start: F_START,
  end: F_END,
  action: F_ACTION,
  'log-status': F_LOG_STATUS,
  'vpc-id': F_SKIP,
  'subnet-id': F_SKIP,
  'instance-id': F_SKIP,
  'tcp-flags': F_TCP_FLAGS,
  type: F_SKIP,
  'pkt-srcaddr': F_PKT_SRCADDR,
  'pkt-dstaddr': F_PKT_DSTADDR,
  region: F_SKIP,
  'az-id': F_SKIP,
  'sublocation-type': F_SKIP,
  'sublocation-id': F_SKIP,
  'pkt-src-aws-service': F_SKIP,
  'pkt-dst-aws-service': F_SKIP,
  'flow-direction': F_FLOW_DIRECTION,
  'traffic-path': F_SKIP,
  'ecs-cluster-arn': F_SKIP,
  'ecs-cluster-name': F_SKIP,
  'ecs-container-instance-arn': F_SKIP,
  'ecs-container-instance-id': F_SKIP,
  'ecs-container-id': F_SKIP,
  'ecs-second-container-id': F_SKIP,
  'ecs-service-name': F_SKIP,
  'ecs-task-definition-arn': F_SKIP,
  'ecs-task-arn': F_SKIP,
  'ecs-task-id': F_SKIP,
  'reject-reason': F_SKIP,
  'resource-id': F_SKIP,
  'encryption-status': F_SKIP,
};
const FIELD_NAME_BYTES = Object.keys(FIELD_IDS).map((k) => Buffer.from(k, 'latin1'));
const FIELD_ID_LIST = Object.values(FIELD_IDS);
const word = (s: string): Buffer => Buffer.from(s, 'latin1');
const W_ACCEPT = word('ACCEPT');
const W_REJECT = word('REJECT');
const W_OK = word('OK');
const W_NODATA = word('NODATA');
const W_SKIPDATA = word('SKIPDATA');
const W_INGRESS = word('ingress');
const W_EGRESS = word('egress');

const DEFAULT_FORMAT =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

// Reasons are constants so that refusing a line allocates nothing beyond its (capped) detail.
const BAD: Record<number, string> = {
  [F_SRCADDR]: 'bad-srcaddr',
  [F_DSTADDR]: 'bad-dstaddr',
  [F_PKT_SRCADDR]: 'bad-pkt-srcaddr',
  [F_PKT_DSTADDR]: 'bad-pkt-dstaddr',
  [F_SRCPORT]: 'bad-srcport',
  [F_DSTPORT]: 'bad-dstport',
  [F_PROTOCOL]: 'bad-protocol',
  [F_PACKETS]: 'bad-packets',
  [F_BYTES]: 'bad-bytes',
  [F_START]: 'bad-start',
  [F_END]: 'bad-end',
  [F_ACTION]: 'bad-action',
  [F_LOG_STATUS]: 'bad-log-status',
  [F_TCP_FLAGS]: 'bad-tcp-flags',
  [F_FLOW_DIRECTION]: 'bad-flow-direction',
};

const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
/** Epoch seconds up to year 5138; beyond that the text is garbage, not a time. */
const MAX_EPOCH_S = 99_999_999_999;

const LOG_OK = 0;
const LOG_NODATA = 1;
const LOG_SKIPDATA = 2;

export interface AwsVpcParserOptions {
  /** Lines longer than this (bytes, without the newline) are refused unread. Default 8 KB. */
  maxLineBytes?: number;
  /** Error details kept; all errors are still counted. Default MAX_INGEST_ERRORS. */
  maxErrors?: number;
  /**
   * Use pkt-srcaddr/pkt-dstaddr (the packet's own addresses) over srcaddr/dstaddr (the
   * interface's view, which shows a NAT gateway or load balancer instead of the real peer) when a
   * header provides them and they are not '-'. Default true.
   */
  preferPacketAddresses?: boolean;
  /** Rejections are also counted here per reason, and accepted records in `records`. */
  stats?: DecodeStats;
}

export interface AwsVpcIngestResult extends IngestResult {
  /** Lines read, header lines included. */
  lines: number;
  /** Idle capture windows (log-status NODATA). */
  nodata: number;
  /** Capture windows AWS could not record (log-status SKIPDATA): records were lost upstream. */
  skipdata: number;
}

export class AwsVpcParser {
  private readonly maxLineBytes: number;
  private readonly maxErrors: number;
  private readonly preferPacket: boolean;
  private readonly stats: DecodeStats | undefined;

  /** The field id of each column of the current format. */
  private fields: Uint8Array;
  /** False after a header that lacks addresses or times: its lines cannot be read. */
  private formatUsable = true;
  /** Whether the current format has pkt-* columns, to skip their fallback logic otherwise. */
  private hasPktAddr = false;

  /** The head of a line that a chunk boundary cut, waiting for the rest. */
  private readonly carry: Buffer;
  private carryLen = 0;
  /** Bytes of the pending partial line seen so far, which may exceed what `carry` holds. */
  private pendingBytes = 0;

  /** Address words of the current line: src, dst, pkt-src, pkt-dst, four words each. */
  private readonly addr = new Uint32Array(16);

  private lineNo = 0;
  private accepted = 0;
  private rejected = 0;
  private nodata = 0;
  private skipdata = 0;
  private readonly errors: IngestError[] = [];
  private ended = false;

  constructor(
    private readonly batch: FlowBatch,
    options: AwsVpcParserOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? 8192;
    this.maxErrors = options.maxErrors ?? MAX_INGEST_ERRORS;
    this.preferPacket = options.preferPacketAddresses ?? true;
    this.stats = options.stats;
    this.carry = Buffer.allocUnsafe(this.maxLineBytes);
    const def = Buffer.from(DEFAULT_FORMAT, 'latin1');
    this.fields = new Uint8Array(0);
    this.applyHeader(def, 0, def.length);
  }

  /** Parses every complete line of the chunk; a trailing partial line waits for the next chunk. */
  write(chunk: Uint8Array): void {
    if (this.ended) throw new Error('AwsVpcParser: write after end');
    const n = chunk.length;
    let p = 0;
    if (this.pendingBytes > 0) {
      const nl = chunk.indexOf(10);
      const upto = nl < 0 ? n : nl;
      this.appendCarry(chunk, 0, upto);
      if (nl < 0) return;
      this.finishCarry();
      p = nl + 1;
    }
    while (p < n) {
      const nl = chunk.indexOf(10, p);
      if (nl < 0) break;
      this.line(chunk, p, nl, nl - p);
      p = nl + 1;
    }
    if (p < n) this.appendCarry(chunk, p, n);
  }

  /** Parses the last line (if it had no newline), hands the batch to its consumer, and answers. */
  end(): AwsVpcIngestResult {
    if (!this.ended) {
      if (this.pendingBytes > 0) this.finishCarry();
      this.ended = true;
      this.batch.flush();
    }
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      errors: this.errors.slice(),
      lines: this.lineNo,
      nodata: this.nodata,
      skipdata: this.skipdata,
    };
  }

  /** Convenience for an HTTP body or file stream: writes every chunk, then ends. */
  async readFrom(source: AsyncIterable<Uint8Array>): Promise<AwsVpcIngestResult> {
    for await (const chunk of source) this.write(chunk);
    return this.end();
  }

  private appendCarry(b: Uint8Array, s: number, e: number): void {
    const room = this.maxLineBytes - this.carryLen;
    const take = Math.min(room, e - s);
    // A line already over the bound is not copied any further: it will be refused anyway.
    if (take > 0 && this.pendingBytes === this.carryLen) {
      this.carry.set(b.subarray(s, s + take), this.carryLen);
      this.carryLen += take;
    }
    this.pendingBytes += e - s;
  }

  private finishCarry(): void {
    const total = this.pendingBytes;
    this.line(this.carry, 0, this.carryLen, total);
    this.carryLen = 0;
    this.pendingBytes = 0;
  }

  /** One line in b[s, e); `total` is its true length, larger than e - s when it was cut short. */
  private line(b: Uint8Array, s: number, e: number, total: number): void {
    this.lineNo++;
    if (total > this.maxLineBytes) {
      this.refuse('line-too-long');
      return;
    }
    if (e > s && b[e - 1] === 13) e--;
    while (s < e && (b[s] === 32 || b[s] === 9)) s++;
    if (s === e) return;
    // A header may open any file (S3 objects do) or reappear where files were concatenated.
    const c0 = b[s];
    if (c0 >= 97 && c0 <= 122 && this.isHeader(b, s, e)) {
      this.applyHeader(b, s, e);
      return;
    }
    if (!this.formatUsable) {
      this.refuse('no-usable-header');
      return;
    }
    this.record(b, s, e);
  }

  private record(b: Uint8Array, s: number, e: number): void {
    const fields = this.fields;
    const nf = fields.length;
    const addr = this.addr;
    let srcFam = 0;
    let dstFam = 0;
    let pSrcFam = 0;
    let pDstFam = 0;
    let srcPort = 0;
    let dstPort = 0;
    let proto = 0;
    let packets = 0;
    let bytes = 0;
    let start = -1;
    let end = -1;
    let action: number = FlowAction.UNKNOWN;
    let status = LOG_OK;
    let tcpFlags = -1;
    let reason: string | null = null;

    let f = 0;
    let p = s;
    while (p < e) {
      const q = p;
      while (p < e && b[p] !== 32 && b[p] !== 9) p++;
      if (f === nf) {
        reason = 'extra-fields';
        break;
      }
      const id = fields[f++];
      // '-' is AWS's "unknown / not applicable"; the field keeps its neutral value.
      if (id !== F_SKIP && !(p - q === 1 && b[q] === 45)) {
        let v = 0;
        switch (id) {
          case F_SRCADDR:
            v = srcFam = this.address(b, q, p, 0);
            break;
          case F_DSTADDR:
            v = dstFam = this.address(b, q, p, 4);
            break;
          case F_PKT_SRCADDR:
            v = pSrcFam = this.address(b, q, p, 8);
            break;
          case F_PKT_DSTADDR:
            v = pDstFam = this.address(b, q, p, 12);
            break;
          case F_SRCPORT:
            v = srcPort = parseUintAscii(b, q, p, 65535);
            break;
          case F_DSTPORT:
            v = dstPort = parseUintAscii(b, q, p, 65535);
            break;
          case F_PROTOCOL:
            v = proto = parseUintAscii(b, q, p, 255);
            break;
          case F_PACKETS:
            v = packets = parseUintAscii(b, q, p, MAX_COUNTER);
            break;
          case F_BYTES:
            v = bytes = parseUintAscii(b, q, p, MAX_COUNTER);
            break;
          case F_START:
            v = start = parseUintAscii(b, q, p, MAX_EPOCH_S);
            break;
          case F_END:
            v = end = parseUintAscii(b, q, p, MAX_EPOCH_S);
            break;
          case F_TCP_FLAGS:
            v = tcpFlags = parseUintAscii(b, q, p, 255);
            break;
          case F_ACTION:
            v = action = actionOf(b, q, p);
            break;
          case F_LOG_STATUS:
            v = status = logStatusOf(b, q, p);
            break;
          case F_FLOW_DIRECTION:
            v = isDirection(b, q, p) ? 0 : -1;
            break;
        }
        if (v < 0) {
          reason = BAD[id];
          break;
        }
      }
      while (p < e && (b[p] === 32 || b[p] === 9)) p++;
    }
    if (reason === null && f < nf) reason = 'missing-fields';
    if (reason === null) {
      if (status === LOG_NODATA) {
        this.nodata++;
        return;
      }
      if (status === LOG_SKIPDATA) {
        this.skipdata++;
        return;
      }
      if (this.hasPktAddr && this.preferPacket) {
        if (pSrcFam !== 0) {
          srcFam = pSrcFam;
          addr.copyWithin(0, 8, 12);
        }
        if (pDstFam !== 0) {
          dstFam = pDstFam;
          addr.copyWithin(4, 12, 16);
        }
      } else if (this.hasPktAddr) {
        if (srcFam === 0 && pSrcFam !== 0) {
          srcFam = pSrcFam;
          addr.copyWithin(0, 8, 12);
        }
        if (dstFam === 0 && pDstFam !== 0) {
          dstFam = pDstFam;
          addr.copyWithin(4, 12, 16);
        }
      }
      if (start < 0) start = end;
      else if (end < 0) end = start;
      if (srcFam === 0) reason = 'missing-srcaddr';
      else if (dstFam === 0) reason = 'missing-dstaddr';
      else if (srcFam !== dstFam) reason = 'mixed-address-families';
      else if (start < 0) reason = 'missing-start';
      else if (end < start) reason = 'end-before-start';
    }
    if (reason !== null) {
      this.refuse(reason);
      return;
    }

    const batch = this.batch;
    if (batch.source !== FlowSource.AWS_VPC) {
      batch.flush();
      batch.source = FlowSource.AWS_VPC;
    }
    const i = batch.next();
    if (srcFam === 4) {
      batch.setV4(i, addr[0], addr[4]);
    } else {
      batch.family[i] = 6;
      const a = i << 2;
      const sa = batch.srcAddr;
      const da = batch.dstAddr;
      sa[a] = addr[0];
      sa[a + 1] = addr[1];
      sa[a + 2] = addr[2];
      sa[a + 3] = addr[3];
      da[a] = addr[4];
      da[a + 1] = addr[5];
      da[a + 2] = addr[6];
      da[a + 3] = addr[7];
    }
    batch.startMs[i] = start * 1000;
    batch.endMs[i] = end * 1000;
    batch.srcPort[i] = srcPort;
    batch.dstPort[i] = dstPort;
    batch.proto[i] = proto;
    batch.packets[i] = packets;
    batch.bytes[i] = bytes;
    batch.action[i] = action;
    if (tcpFlags >= 0) batch.setTcpFlags(i, tcpFlags);
    this.accepted++;
    if (this.stats) this.stats.records++;
  }

  /** Parses an address into addr[off..off+3] (IPv4 in the first word); returns its family or -1. */
  private address(b: Uint8Array, s: number, e: number, off: number): number {
    const v4 = parseIPv4Ascii(b, s, e);
    if (v4 >= 0) {
      this.addr[off] = v4;
      return 4;
    }
    return parseIPv6Ascii(b, s, e, this.addr, off) ? 6 : -1;
  }

  private refuse(reason: string): void {
    this.rejected++;
    if (this.errors.length < this.maxErrors) this.errors.push({ line: this.lineNo, reason });
    this.stats?.reject(reason);
  }

  /** A header line starts with a field name; no data value in any documented field is one. */
  private isHeader(b: Uint8Array, s: number, e: number): boolean {
    let t = s;
    while (t < e && b[t] !== 32 && b[t] !== 9) t++;
    return fieldIdOf(b, s, t) >= 0;
  }

  private applyHeader(b: Uint8Array, s: number, e: number): void {
    const ids: number[] = [];
    let p = s;
    while (p < e) {
      while (p < e && (b[p] === 32 || b[p] === 9)) p++;
      if (p === e) break;
      let q = p;
      while (q < e && b[q] !== 32 && b[q] !== 9) q++;
      // Tolerate the `${field}` form in which a custom format is written when it is created.
      let ns = p;
      let ne = q;
      if (ne - ns > 3 && b[ns] === 36 && b[ns + 1] === 123 && b[ne - 1] === 125) {
        ns += 2;
        ne -= 1;
      }
      const id = fieldIdOf(b, ns, ne);
      ids.push(id < 0 ? F_SKIP : id);
      p = q;
    }
    this.fields = Uint8Array.from(ids);
    const has = (id: number): boolean => ids.includes(id);
    this.hasPktAddr = has(F_PKT_SRCADDR) || has(F_PKT_DSTADDR);
    this.formatUsable =
      (has(F_SRCADDR) || has(F_PKT_SRCADDR)) && (has(F_DSTADDR) || has(F_PKT_DSTADDR)) && (has(F_START) || has(F_END));
    if (!this.formatUsable) this.refuse('bad-header');
  }
}

function fieldIdOf(b: Uint8Array, s: number, e: number): number {
  for (let k = 0; k < FIELD_NAME_BYTES.length; k++) {
    if (matches(b, s, e, FIELD_NAME_BYTES[k])) return FIELD_ID_LIST[k];
  }
  return -1;
}

function matches(b: Uint8Array, s: number, e: number, w: Uint8Array): boolean {
  const n = w.length;
  if (e - s !== n) return false;
  for (let k = 0; k < n; k++) if (b[s + k] !== w[k]) return false;
  return true;
}

function actionOf(b: Uint8Array, s: number, e: number): number {
  if (matches(b, s, e, W_ACCEPT)) return FlowAction.ALLOW;
  if (matches(b, s, e, W_REJECT)) return FlowAction.DENY;
  return -1;
}

function logStatusOf(b: Uint8Array, s: number, e: number): number {
  if (matches(b, s, e, W_OK)) return LOG_OK;
  if (matches(b, s, e, W_NODATA)) return LOG_NODATA;
  if (matches(b, s, e, W_SKIPDATA)) return LOG_SKIPDATA;
  return -1;
}

function isDirection(b: Uint8Array, s: number, e: number): boolean {
  return matches(b, s, e, W_INGRESS) || matches(b, s, e, W_EGRESS);
}
