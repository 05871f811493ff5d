import { DecodeStats } from '../decode-stats';
import { FlowAction, FlowBatch, FlowSource, PROTO_TCP, PROTO_UDP } from '../flow-batch';
import { IngestError, IngestResult, MAX_INGEST_ERRORS } from '../ingest-result';
import { parseIPv4Ascii, parseIPv6Ascii, parseUintAscii } from '../text/ascii';
import { JsonPathTable, JsonScanner, type JsonSink } from '../text/json-scanner';

/**
 * Streaming parser for Azure flow logs as written to storage:
 * - NSG flow logs, versions 1 and 2: `records[].properties.flows[].flows[].flowTuples[]`;
 * - VNet flow logs, version 4: `records[].flowRecords.flows[].flowGroups[].flowTuples[]`.
 *
 * The document is scanned byte by byte (JsonScanner, text/json-scanner.ts) instead of being parsed
 * whole: uploads can be hundreds of megabytes, and a record (one NIC, one minute) can hold tens of
 * thousands of tuples. Memory is fixed (a nesting stack and one tuple buffer); no string or object
 * is built per tuple. The path of each value (AZURE_PATHS) decides what it is, so a tuple is parsed
 * straight from its bytes when its closing quote arrives. The scanner still validates the whole
 * document: invalid JSON is one error that ends the document, keeping the records already written.
 *
 * Each tuple gives a record for its forward direction and, when it carries return-direction
 * counters above zero, a second record for the reverse direction (addresses and ports swapped).
 * Begin tuples (state B) carry no counters. An allowed one is accepted but gives no record: the same
 * connection reappears with its counters as C (continuing) or E (ended), and a zero-packet record
 * would look like a failed probe to detection and double every flow count. A denied one (NSG
 * decision D, or VNet state D) is the only trace of a blocked attempt, so it gives a record of one
 * packet: at least the first packet was dropped.
 */

/** The values of an Azure flow log document that matter; everything else is only validated. */
const AZURE_PATHS = new JsonPathTable('root', {
  root: { object: { records: 'records' } },
  records: { array: 'record' },
  record: { object: { properties: 'properties', flowRecords: 'flowRecords', flowLogVersion: 'vnetVersion' } },
  // NSG flow logs v1/v2
  properties: { object: { flows: 'nsgRules', Version: 'nsgVersion' } },
  nsgVersion: 'number',
  nsgRules: { array: 'nsgRule' },
  nsgRule: { object: { flows: 'nsgFlows' } },
  nsgFlows: { array: 'nsgFlow' },
  nsgFlow: { object: { flowTuples: 'nsgTuples' } },
  nsgTuples: { array: 'nsgTuple' },
  nsgTuple: 'string',
  // VNet flow logs v4
  vnetVersion: 'number',
  flowRecords: { object: { flows: 'vnetFlows' } },
  vnetFlows: { array: 'vnetFlow' },
  vnetFlow: { object: { flowGroups: 'vnetGroups' } },
  vnetGroups: { array: 'vnetGroup' },
  vnetGroup: { object: { flowTuples: 'vnetTuples' } },
  vnetTuples: { array: 'vnetTuple' },
  vnetTuple: 'string',
});
const N_RECORDS = AZURE_PATHS.id('records');
const N_RECORD = AZURE_PATHS.id('record');
const N_NSG_VERSION = AZURE_PATHS.id('nsgVersion');
const N_NSG_TUPLE = AZURE_PATHS.id('nsgTuple');
const N_VNET_VERSION = AZURE_PATHS.id('vnetVersion');
const N_VNET_TUPLE = AZURE_PATHS.id('vnetTuple');

const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
/** Tuple fields looked at; a tuple with more is refused. */
const MAX_TUPLE_FIELDS = 16;

export interface AzureFlowLogParserOptions {
  /** Error details kept; all errors are still counted. Default MAX_INGEST_ERRORS. */
  maxErrors?: number;
  /** JSON nesting allowed; Azure's documents use 9 levels. Default 64. */
  maxDepth?: number;
  /** Longest tuple string accepted, in bytes (real ones are under 200). Default 1024. */
  maxTupleBytes?: number;
  /** Rejections are also counted here per reason, and written records in `records`. */
  stats?: DecodeStats;
}

export interface AzureIngestResult extends IngestResult {
  /** Flow records written: one per accepted tuple plus one per tuple with return traffic. */
  records: number;
}

export class AzureFlowLogParser implements JsonSink {
  private readonly maxErrors: number;
  private readonly stats: DecodeStats | undefined;
  private readonly scanner: JsonScanner;

  // Per record: versions as declared (-1 = not seen yet).
  private nsgVersion = -1;
  private vnetVersion = -1;
  private sawRecords = false;

  // The tuple being read (the scanner's buffer, valid during string()) and its field bounds.
  private tupleBuf: Uint8Array = new Uint8Array(0);
  private tupleOverflow = false;
  private capLen = 0;
  private readonly fs = new Int32Array(MAX_TUPLE_FIELDS);
  private readonly fe = new Int32Array(MAX_TUPLE_FIELDS);
  /** The two addresses' words. */
  private readonly addr = new Uint32Array(8);

  private accepted = 0;
  private rejected = 0;
  private records = 0;
  private readonly errors: IngestError[] = [];
  private ended = false;

  constructor(
    private readonly batch: FlowBatch,
    options: AzureFlowLogParserOptions = {},
  ) {
    this.maxErrors = options.maxErrors ?? MAX_INGEST_ERRORS;
    this.stats = options.stats;
    this.scanner = new JsonScanner(AZURE_PATHS, this, {
      maxDepth: options.maxDepth ?? 64,
      maxStringBytes: options.maxTupleBytes ?? 1024,
    });
  }

  /** Scans the next bytes of the document; tuples complete in them go to the batch at once. */
  write(chunk: Uint8Array): void {
    if (this.ended) throw new Error('AzureFlowLogParser: write after end');
    this.scanner.write(chunk);
  }

  /** Ends the document (an unfinished one is invalid JSON), flushes the batch, and answers. */
  end(): AzureIngestResult {
    if (!this.ended) {
      this.ended = true;
      if (this.scanner.end() && !this.sawRecords) this.error('records', 'no-records');
      this.batch.flush();
    }
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      errors: this.errors.slice(),
      records: this.records,
    };
  }

  /** Convenience for an HTTP body or file stream: writes every chunk, then ends. */
  async readFrom(source: AsyncIterable<Uint8Array>): Promise<AzureIngestResult> {
    // After invalid JSON the rest is still drained (cheaply), so the sender is not cut off.
    for await (const chunk of source) this.write(chunk);
    return this.end();
  }

  // ---- the scanner's reports (JsonSink) ----

  /** @internal */
  open(node: number): void {
    if (node === N_RECORD) {
      this.nsgVersion = -1;
      this.vnetVersion = -1;
    } else if (node === N_RECORDS) this.sawRecords = true;
  }

  /** @internal */
  string(node: number, buf: Uint8Array, length: number, overflow: boolean): void {
    this.tupleBuf = buf;
    this.capLen = length;
    this.tupleOverflow = overflow;
    if (node === N_NSG_TUPLE) this.nsgTuple();
    else if (node === N_VNET_TUPLE) this.vnetTuple();
  }

  /** @internal */
  number(node: number, value: number): void {
    if (node === N_NSG_VERSION) this.nsgVersion = value;
    else if (node === N_VNET_VERSION) this.vnetVersion = value;
  }

  /** @internal */
  mismatch(node: number): void {
    if (node === N_NSG_TUPLE || node === N_VNET_TUPLE) this.refuseTuple('not-a-string');
  }

  /** @internal Invalid JSON: one error, and the rest of the document is ignored. */
  invalidJson(what: string, offset: number): void {
    this.error(this.scanner.path(), `invalid-json: ${what}`, offset, 'invalid-json');
  }

  // ---- tuples ----

  /** Splits the captured tuple at commas; returns the field count (> MAX_TUPLE_FIELDS: too many). */
  private splitTuple(): number {
    const b = this.tupleBuf;
    const n = this.capLen;
    const fs = this.fs;
    const fe = this.fe;
    let nf = 0;
    let s = 0;
    for (let p = 0; p <= n; p++) {
      if (p === n || b[p] === 44) {
        if (nf < MAX_TUPLE_FIELDS) {
          fs[nf] = s;
          fe[nf] = p;
        }
        nf++;
        s = p + 1;
      }
    }
    return nf;
  }

  /** NSG v2: `time s, src, dst, sport, dport, T|U, I|O, A|D, B|C|E, pkts, bytes, pkts, bytes`; v1: first 8. */
  private nsgTuple(): void {
    if (this.tupleOverflow) return this.refuseTuple('tuple-too-long');
    const v = this.nsgVersion;
    if (v !== -1 && v !== 1 && v !== 2) return this.refuseTuple('unsupported-version');
    const nf = this.splitTuple();
    if (v === -1 ? nf !== 13 && nf !== 8 : nf !== (v === 1 ? 8 : 13)) return this.refuseTuple('bad-field-count');
    const b = this.tupleBuf;
    const fs = this.fs;
    const fe = this.fe;
    const time = parseUintAscii(b, fs[0], fe[0], 99_999_999_999);
    if (time < 0) return this.refuseTuple('bad-time');
    const fam = this.addresses();
    if (fam < 0) return;
    const sport = parseUintAscii(b, fs[3], fe[3], 65535);
    if (sport < 0) return this.refuseTuple('bad-srcport');
    const dport = parseUintAscii(b, fs[4], fe[4], 65535);
    if (dport < 0) return this.refuseTuple('bad-dstport');
    const pc = oneChar(b, fs[5], fe[5]);
    const proto = pc === 84 ? PROTO_TCP : pc === 85 ? PROTO_UDP : -1;
    if (proto < 0) return this.refuseTuple('bad-protocol');
    const dir = oneChar(b, fs[6], fe[6]);
    if (dir !== 73 && dir !== 79) return this.refuseTuple('bad-direction');
    const dc = oneChar(b, fs[7], fe[7]);
    const action = dc === 65 ? FlowAction.ALLOW : dc === 68 ? FlowAction.DENY : -1;
    if (action < 0) return this.refuseTuple('bad-decision');
    let p1 = 0;
    let b1 = 0;
    let p2 = 0;
    let b2 = 0;
    let st = 0;
    if (nf === 13) {
      st = oneChar(b, fs[8], fe[8]);
      if (st !== 66 && st !== 67 && st !== 69) return this.refuseTuple('bad-state');
      p1 = counter(b, fs[9], fe[9]);
      b1 = counter(b, fs[10], fe[10]);
      p2 = counter(b, fs[11], fe[11]);
      b2 = counter(b, fs[12], fe[12]);
      if (p1 < 0 || b1 < 0 || p2 < 0 || b2 < 0) return this.refuseTuple('bad-counter');
    }
    if (st === 66 && p1 === 0 && p2 === 0) {
      if (action === FlowAction.ALLOW) return this.acceptWithoutRecord();
      p1 = 1;
    }
    this.emit(FlowSource.AZURE_NSG, fam, time * 1000, sport, dport, proto, action, p1, b1, p2, b2);
  }

  /** VNet v4: `time ms, src, dst, sport, dport, proto, I|O, B|C|E|D, encryption, pkts, bytes, pkts, bytes`. */
  private vnetTuple(): void {
    if (this.tupleOverflow) return this.refuseTuple('tuple-too-long');
    const v = this.vnetVersion;
    if (v !== -1 && v !== 4) return this.refuseTuple('unsupported-version');
    if (this.splitTuple() !== 13) return this.refuseTuple('bad-field-count');
    const b = this.tupleBuf;
    const fs = this.fs;
    const fe = this.fe;
    const time = parseUintAscii(b, fs[0], fe[0], 99_999_999_999_999);
    if (time < 0) return this.refuseTuple('bad-time');
    const fam = this.addresses();
    if (fam < 0) return;
    // Protocols without ports (ICMP) may leave them empty.
    const sport = fs[3] === fe[3] ? 0 : parseUintAscii(b, fs[3], fe[3], 65535);
    if (sport < 0) return this.refuseTuple('bad-srcport');
    const dport = fs[4] === fe[4] ? 0 : parseUintAscii(b, fs[4], fe[4], 65535);
    if (dport < 0) return this.refuseTuple('bad-dstport');
    const proto = parseUintAscii(b, fs[5], fe[5], 255);
    if (proto < 0) return this.refuseTuple('bad-protocol');
    const dir = oneChar(b, fs[6], fe[6]);
    if (dir !== 73 && dir !== 79) return this.refuseTuple('bad-direction');
    const st = oneChar(b, fs[7], fe[7]);
    if (st !== 66 && st !== 67 && st !== 69 && st !== 68) return this.refuseTuple('bad-state');
    const p1 = counter(b, fs[9], fe[9]);
    const b1 = counter(b, fs[10], fe[10]);
    const p2 = counter(b, fs[11], fe[11]);
    const b2 = counter(b, fs[12], fe[12]);
    if (p1 < 0 || b1 < 0 || p2 < 0 || b2 < 0) return this.refuseTuple('bad-counter');
    const action = st === 68 ? FlowAction.DENY : FlowAction.ALLOW;
    if ((st === 66 || st === 68) && p1 === 0 && p2 === 0) {
      if (action === FlowAction.ALLOW) return this.acceptWithoutRecord();
      return this.emit(FlowSource.AZURE_VNET, fam, time, sport, dport, proto, action, 1, 0, 0, 0);
    }
    this.emit(FlowSource.AZURE_VNET, fam, time, sport, dport, proto, action, p1, b1, p2, b2);
  }

  /** Parses fields 1 and 2 into addr; returns the family, or -1 after refusing the tuple. */
  private addresses(): number {
    const b = this.tupleBuf;
    const addr = this.addr;
    let sf = 4;
    let df = 4;
    const s4 = parseIPv4Ascii(b, this.fs[1], this.fe[1]);
    if (s4 >= 0) addr[0] = s4;
    else if (parseIPv6Ascii(b, this.fs[1], this.fe[1], addr, 0)) sf = 6;
    else {
      this.refuseTuple('bad-srcaddr');
      return -1;
    }
    const d4 = parseIPv4Ascii(b, this.fs[2], this.fe[2]);
    if (d4 >= 0) addr[4] = d4;
    else if (parseIPv6Ascii(b, this.fs[2], this.fe[2], addr, 4)) df = 6;
    else {
      this.refuseTuple('bad-dstaddr');
      return -1;
    }
    if (sf !== df) {
      this.refuseTuple('mixed-address-families');
      return -1;
    }
    return sf;
  }

  /** A valid tuple that adds nothing detection needs (an allowed connection's begin marker). */
  private acceptWithoutRecord(): void {
    this.accepted++;
  }

  private emit(
    source: FlowSource,
    fam: number,
    timeMs: number,
    sport: number,
    dport: number,
    proto: number,
    action: number,
    p1: number,
    b1: number,
    p2: number,
    b2: number,
  ): void {
    const batch = this.batch;
    if (batch.source !== source) {
      batch.flush();
      batch.source = source;
    }
    this.accepted++;
    this.write1(fam, 0, 4, timeMs, sport, dport, proto, action, p1, b1);
    if (p2 > 0 || b2 > 0) this.write1(fam, 4, 0, timeMs, dport, sport, proto, action, p2, b2);
  }

  private write1(
    fam: number,
    src: number,
    dst: number,
    timeMs: number,
    sport: number,
    dport: number,
    proto: number,
    action: number,
    packets: number,
    bytes: number,
  ): void {
    const batch = this.batch;
    const addr = this.addr;
    const i = batch.next();
    if (fam === 4) batch.setV4(i, addr[src], addr[dst]);
    else {
      batch.family[i] = 6;
      const a = i << 2;
      for (let w = 0; w < 4; w++) {
        batch.srcAddr[a + w] = addr[src + w];
        batch.dstAddr[a + w] = addr[dst + w];
      }
    }
    batch.startMs[i] = batch.endMs[i] = timeMs;
    batch.srcPort[i] = sport;
    batch.dstPort[i] = dport;
    batch.proto[i] = proto;
    batch.action[i] = action;
    batch.packets[i] = packets;
    batch.bytes[i] = bytes;
    this.records++;
    if (this.stats) this.stats.records++;
  }

  // ---- errors ----

  private refuseTuple(reason: string): void {
    this.rejected++;
    this.stats?.reject(reason);
    if (this.errors.length < this.maxErrors) this.errors.push({ index: this.scanner.path(), reason });
  }

  private error(index: string, reason: string, offset?: number, statsReason = reason): void {
    this.rejected++;
    this.stats?.reject(statsReason);
    if (this.errors.length < this.maxErrors) {
      this.errors.push(offset === undefined ? { index, reason } : { index, reason, offset });
    }
  }
}

/** The single byte of a one-character field, or -1. */
function oneChar(b: Uint8Array, s: number, e: number): number {
  return e - s === 1 ? b[s] : -1;
}

/** A counter; empty means none was given (NSG begin tuples) and counts as 0. */
function counter(b: Uint8Array, s: number, e: number): number {
  return s === e ? 0 : parseUintAscii(b, s, e, MAX_COUNTER);
}
