import { DecodeStats } from '../decode-stats';
import { FlowAction, FlowBatch, FlowSource, PROTO_TCP, PROTO_UDP } from '../flow-batch';
import { IngestError, IngestResult, MAX_INGEST_ERRORS } from '../ingest-result';
import { parseIPv4Ascii, parseIPv6Ascii, parseUintAscii } from '../text/ascii';

/**
 * Streaming parser for Azure flow logs as written to storage:
 * - NSG flow logs, versions 1 and 2: `records[].properties.flows[].flows[].flowTuples[]`;
 * - VNet flow logs, version 4: `records[].flowRecords.flows[].flowGroups[].flowTuples[]`.
 *
 * The document is scanned byte by byte with a small JSON state machine instead of being parsed
 * whole: uploads can be hundreds of megabytes, and a record (one NIC, one minute) can hold tens of
 * thousands of tuples. Memory is fixed (a nesting stack and one tuple buffer); no string or object
 * is built per tuple. The path of each value decides what it is, so a tuple is parsed straight
 * from its bytes when its closing quote arrives. The scanner still validates the whole document:
 * invalid JSON is one error that ends the document, keeping the records already written.
 *
 * Each tuple gives a record for its forward direction and, when it carries return-direction
 * counters above zero, a second record for the reverse direction (addresses and ports swapped).
 * Begin tuples (state B) carry no counters. An allowed one is accepted but gives no record: the same
 * connection reappears with its counters as C (continuing) or E (ended), and a zero-packet record
 * would look like a failed probe to detection and double every flow count. A denied one (NSG
 * decision D, or VNet state D) is the only trace of a blocked attempt, so it gives a record of one
 * packet: at least the first packet was dropped.
 */

// Scanner modes.
const M_VALUE = 0;
const M_VALUE_OR_END = 1;
const M_KEY_OR_END = 2;
const M_KEY = 3;
const M_COLON = 4;
const M_AFTER = 5;
const M_STRING = 6;
const M_ESCAPE = 7;
const M_UNICODE = 8;
const M_NUMBER = 9;
const M_LITERAL = 10;
const M_DONE = 11;
const M_FAILED = 12;

// Number grammar states (RFC 8259).
const NS_MINUS = 0;
const NS_ZERO = 1;
const NS_INT = 2;
const NS_DOT = 3;
const NS_FRAC = 4;
const NS_EXP = 5;
const NS_EXP_SIGN = 6;
const NS_EXP_DIGITS = 7;

const K_OBJECT = 1;
const K_ARRAY = 2;

// What a value is, from its path. Anything off these paths is N_NONE and only validated.
const N_NONE = 0;
const N_ROOT = 1;
const N_RECORDS = 2;
const N_RECORD = 3;
const N_PROPS = 4;
const N_NSG_FLOWS = 5;
const N_NSG_FLOW = 6;
const N_NSG_FLOWS2 = 7;
const N_NSG_FLOW2 = 8;
const N_NSG_TUPLES = 9;
const N_NSG_TUPLE = 10;
const N_NSG_VERSION = 11;
const N_VNET_REC = 12;
const N_VNET_FLOWS = 13;
const N_VNET_FLOW = 14;
const N_VNET_GROUPS = 15;
const N_VNET_GROUP = 16;
const N_VNET_TUPLES = 17;
const N_VNET_TUPLE = 18;
const N_VNET_VERSION = 19;

/** Element node of each array node. */
const ELEMENT = new Uint8Array(20);
ELEMENT[N_RECORDS] = N_RECORD;
ELEMENT[N_NSG_FLOWS] = N_NSG_FLOW;
ELEMENT[N_NSG_FLOWS2] = N_NSG_FLOW2;
ELEMENT[N_NSG_TUPLES] = N_NSG_TUPLE;
ELEMENT[N_VNET_FLOWS] = N_VNET_FLOW;
ELEMENT[N_VNET_GROUPS] = N_VNET_GROUP;
ELEMENT[N_VNET_TUPLES] = N_VNET_TUPLE;

/** The container kind each node must have; a value of another kind drops off the path. */
const KIND = new Uint8Array(20);
for (const n of [N_ROOT, N_RECORD, N_PROPS, N_NSG_FLOW, N_NSG_FLOW2, N_VNET_REC, N_VNET_FLOW, N_VNET_GROUP]) {
  KIND[n] = K_OBJECT;
}
for (const n of [N_RECORDS, N_NSG_FLOWS, N_NSG_FLOWS2, N_NSG_TUPLES, N_VNET_FLOWS, N_VNET_GROUPS, N_VNET_TUPLES]) {
  KIND[n] = K_ARRAY;
}

// Keys that matter; every other key is 0.
const KEY_NAMES = [
  'records',
  'properties',
  'Version',
  'flows',
  'flowTuples',
  'flowRecords',
  'flowGroups',
  'flowLogVersion',
];
const KEY_BYTES = KEY_NAMES.map((k) => Buffer.from(k, 'latin1'));
const KEY_RECORDS = 1;
const KEY_PROPERTIES = 2;
const KEY_VERSION = 3;
const KEY_FLOWS = 4;
const KEY_FLOW_TUPLES = 5;
const KEY_FLOW_RECORDS = 6;
const KEY_FLOW_GROUPS = 7;
const KEY_FLOW_LOG_VERSION = 8;

function memberNode(parent: number, key: number): number {
  switch (parent) {
    case N_ROOT:
      return key === KEY_RECORDS ? N_RECORDS : N_NONE;
    case N_RECORD:
      if (key === KEY_PROPERTIES) return N_PROPS;
      if (key === KEY_FLOW_RECORDS) return N_VNET_REC;
      return key === KEY_FLOW_LOG_VERSION ? N_VNET_VERSION : N_NONE;
    case N_PROPS:
      if (key === KEY_FLOWS) return N_NSG_FLOWS;
      return key === KEY_VERSION ? N_NSG_VERSION : N_NONE;
    case N_NSG_FLOW:
      return key === KEY_FLOWS ? N_NSG_FLOWS2 : N_NONE;
    case N_NSG_FLOW2:
    case N_VNET_GROUP:
      return key === KEY_FLOW_TUPLES ? (parent === N_NSG_FLOW2 ? N_NSG_TUPLES : N_VNET_TUPLES) : N_NONE;
    case N_VNET_REC:
      return key === KEY_FLOWS ? N_VNET_FLOWS : N_NONE;
    case N_VNET_FLOW:
      return key === KEY_FLOW_GROUPS ? N_VNET_GROUPS : N_NONE;
    default:
      return N_NONE;
  }
}

const BOM = [0xef, 0xbb, 0xbf];
const LIT_TRUE = Buffer.from('true', 'latin1');
const LIT_FALSE = Buffer.from('false', 'latin1');
const LIT_NULL = Buffer.from('null', 'latin1');

/** Longest object key remembered (for matching and for error paths); longer keys are cut. */
const KEY_MAX = 48;
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

export class AzureFlowLogParser {
  private readonly maxErrors: number;
  private readonly maxDepth: number;
  private readonly stats: DecodeStats | undefined;

  private mode = M_VALUE;
  /** Bytes consumed before the current chunk, for error offsets. */
  private offset = 0;
  private started = false;
  /** Bytes of a leading UTF-8 byte order mark matched so far; 3 once past it. */
  private bomPos = 0;

  // Nesting stack, one slot per open container.
  private depth = 0;
  private readonly kind: Uint8Array;
  private readonly node: Uint8Array;
  private readonly index: Int32Array;
  private readonly keyId: Uint8Array;
  /** Key text of each object level (cut at KEY_MAX bytes); keyLen -1 = no key read yet. */
  private readonly keyText: Uint8Array;
  private readonly keyLen: Int32Array;

  // The string being read: a key, a tuple, or something only validated.
  private strIsKey = false;
  private strNode = N_NONE;
  private capBuf: Uint8Array | null = null;
  private capBase = 0;
  private capLen = 0;
  private capMax = 0;
  private capOverflow = false;
  private unicodeLeft = 0;
  private unicodeValue = 0;
  private readonly tupleBuf: Uint8Array;

  // The number or literal being read.
  private numState = NS_MINUS;
  private numNode = N_NONE;
  /** Integer value of a version number; -1 once it is not a plain non-negative integer. */
  private numValue = 0;
  private lit: Uint8Array = LIT_TRUE;
  private litPos = 0;

  // Per record: versions as declared (-1 = not seen yet).
  private nsgVersion = -1;
  private vnetVersion = -1;
  private sawRecords = false;

  // Tuple scratch: field bounds and the two addresses' words.
  private readonly fs = new Int32Array(MAX_TUPLE_FIELDS);
  private readonly fe = new Int32Array(MAX_TUPLE_FIELDS);
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
    this.maxDepth = options.maxDepth ?? 64;
    this.stats = options.stats;
    this.tupleBuf = new Uint8Array(options.maxTupleBytes ?? 1024);
    const d = this.maxDepth;
    this.kind = new Uint8Array(d);
    this.node = new Uint8Array(d);
    this.index = new Int32Array(d);
    this.keyId = new Uint8Array(d);
    this.keyText = new Uint8Array(d * KEY_MAX);
    this.keyLen = new Int32Array(d);
  }

  /** Scans the next bytes of the document; tuples complete in them go to the batch at once. */
  write(chunk: Uint8Array): void {
    if (this.ended) throw new Error('AzureFlowLogParser: write after end');
    const n = chunk.length;
    let p = 0;
    if (n > 0) this.started = true;
    // A UTF-8 byte order mark is tolerated (some tools write one), even split across chunks.
    while (this.bomPos < 3 && p < n) {
      if (chunk[p] === BOM[this.bomPos]) {
        this.bomPos++;
        p++;
      } else if (this.bomPos > 0) {
        this.fail('bad-byte-order-mark', p);
        break;
      } else this.bomPos = 3;
    }
    while (p < n && this.mode !== M_FAILED) {
      const c = chunk[p];
      switch (this.mode) {
        case M_STRING: {
          let q = p;
          while (q < n) {
            const x = chunk[q];
            if (x === 34 || x === 92 || x < 32) break;
            q++;
          }
          if (q > p && this.capBuf !== null) this.capture(chunk, p, q);
          p = q;
          if (p === n) break;
          const x = chunk[p];
          if (x === 34) {
            p++;
            this.endString();
          } else if (x === 92) {
            p++;
            this.mode = M_ESCAPE;
          } else this.fail('control-character-in-string', p);
          break;
        }
        case M_ESCAPE:
          p++;
          if (c === 117) {
            this.mode = M_UNICODE;
            this.unicodeLeft = 4;
            this.unicodeValue = 0;
          } else {
            const v = escaped(c);
            if (v < 0) this.fail('bad-escape', p - 1);
            else {
              if (this.capBuf !== null) this.captureByte(v);
              this.mode = M_STRING;
            }
          }
          break;
        case M_UNICODE: {
          p++;
          const h = hexValue(c);
          if (h < 0) {
            this.fail('bad-escape', p - 1);
            break;
          }
          this.unicodeValue = this.unicodeValue * 16 + h;
          if (--this.unicodeLeft === 0) {
            // Tuples and the keys that matter are ASCII; anything else just fails to match.
            if (this.capBuf !== null) this.captureByte(this.unicodeValue < 0x80 ? this.unicodeValue : 0xff);
            this.mode = M_STRING;
          }
          break;
        }
        case M_NUMBER:
          if (this.numberByte(c)) p++;
          else if (this.mode === M_NUMBER) this.fail('bad-number', p);
          break;
        case M_LITERAL:
          if (c !== this.lit[this.litPos]) {
            this.fail('bad-literal', p);
            break;
          }
          p++;
          if (++this.litPos === this.lit.length) this.valueDone();
          break;
        default:
          if (c === 32 || c === 10 || c === 13 || c === 9) {
            p++;
            break;
          }
          this.structural(c, p);
          p++;
      }
    }
    this.offset += n;
  }

  /** Ends the document (an unfinished one is invalid JSON), flushes the batch, and answers. */
  end(): AzureIngestResult {
    if (!this.ended) {
      this.ended = true;
      if (this.mode === M_NUMBER && this.depth === 0 && numberCanEnd(this.numState)) this.valueDone();
      if (!this.started) this.fail('empty-document', 0, true);
      else if (this.mode !== M_DONE && this.mode !== M_FAILED) this.fail('unexpected-end', 0, true);
      else if (this.mode === M_DONE && !this.sawRecords) this.error('records', 'no-records');
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

  /** A byte outside strings, numbers and literals (whitespace already skipped). */
  private structural(c: number, p: number): void {
    switch (this.mode) {
      case M_VALUE_OR_END:
        if (c === 93) {
          this.close(K_ARRAY, p);
          return;
        }
        this.valueStart(c, p);
        return;
      case M_VALUE:
        this.valueStart(c, p);
        return;
      case M_KEY_OR_END:
        if (c === 125) {
          this.close(K_OBJECT, p);
          return;
        }
        if (c === 34) this.keyStart();
        else this.fail('expected-key', p);
        return;
      case M_KEY:
        if (c === 34) this.keyStart();
        else this.fail('expected-key', p);
        return;
      case M_COLON:
        if (c === 58) this.mode = M_VALUE;
        else this.fail('expected-colon', p);
        return;
      case M_AFTER: {
        const t = this.depth - 1;
        if (c === 44) {
          if (this.kind[t] === K_ARRAY) {
            this.index[t]++;
            this.mode = M_VALUE;
          } else {
            this.keyLen[t] = -1;
            this.mode = M_KEY;
          }
        } else if (c === 93) this.close(K_ARRAY, p);
        else if (c === 125) this.close(K_OBJECT, p);
        else this.fail('expected-comma', p);
        return;
      }
      case M_DONE:
        this.fail('trailing-data', p);
        return;
    }
  }

  /** The node of the value starting now, from its parent's node and key or index. */
  private childNode(): number {
    if (this.depth === 0) return N_ROOT;
    const t = this.depth - 1;
    const parent = this.node[t];
    if (parent === N_NONE) return N_NONE;
    return this.kind[t] === K_ARRAY ? ELEMENT[parent] : memberNode(parent, this.keyId[t]);
  }

  private valueStart(c: number, p: number): void {
    const node = this.childNode();
    const isTuple = node === N_NSG_TUPLE || node === N_VNET_TUPLE;
    if (isTuple && c !== 34 && isValueStart(c)) this.refuseTuple('not-a-string');
    if (c === 123 || c === 91) {
      this.open(c === 123 ? K_OBJECT : K_ARRAY, node, p);
      return;
    }
    if (c === 34) {
      this.strIsKey = false;
      this.strNode = node;
      if (isTuple) this.startCapture(this.tupleBuf, 0, this.tupleBuf.length);
      else this.capBuf = null;
      this.mode = M_STRING;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      this.numNode = node;
      this.numValue = c === 45 ? -1 : c - 48;
      this.numState = c === 45 ? NS_MINUS : c === 48 ? NS_ZERO : NS_INT;
      this.mode = M_NUMBER;
    } else if (c === 116 || c === 102 || c === 110) {
      this.lit = c === 116 ? LIT_TRUE : c === 102 ? LIT_FALSE : LIT_NULL;
      this.litPos = 1;
      this.mode = M_LITERAL;
    } else this.fail('unexpected-character', p);
  }

  private open(kind: number, node: number, p: number): void {
    if (this.depth === this.maxDepth) {
      this.fail('too-deep', p);
      return;
    }
    const t = this.depth++;
    const n = KIND[node] === kind ? node : N_NONE;
    this.kind[t] = kind;
    this.node[t] = n;
    this.index[t] = 0;
    this.keyId[t] = 0;
    this.keyLen[t] = -1;
    if (n === N_RECORD) {
      this.nsgVersion = -1;
      this.vnetVersion = -1;
    } else if (n === N_RECORDS) this.sawRecords = true;
    this.mode = kind === K_OBJECT ? M_KEY_OR_END : M_VALUE_OR_END;
  }

  private close(kind: number, p: number): void {
    if (this.depth === 0 || this.kind[this.depth - 1] !== kind) {
      this.fail('mismatched-bracket', p);
      return;
    }
    this.depth--;
    this.valueDone();
  }

  private valueDone(): void {
    this.mode = this.depth === 0 ? M_DONE : M_AFTER;
  }

  private keyStart(): void {
    const t = this.depth - 1;
    this.strIsKey = true;
    this.startCapture(this.keyText, t * KEY_MAX, KEY_MAX);
    this.mode = M_STRING;
  }

  private startCapture(buf: Uint8Array, base: number, max: number): void {
    this.capBuf = buf;
    this.capBase = base;
    this.capLen = 0;
    this.capMax = max;
    this.capOverflow = false;
  }

  private capture(b: Uint8Array, s: number, e: number): void {
    const room = this.capMax - this.capLen;
    const n = e - s;
    if (n > room) this.capOverflow = true;
    const take = n > room ? room : n;
    const dst = this.capBuf as Uint8Array;
    const base = this.capBase + this.capLen;
    for (let k = 0; k < take; k++) dst[base + k] = b[s + k];
    this.capLen += take;
  }

  private captureByte(v: number): void {
    if (this.capLen === this.capMax) {
      this.capOverflow = true;
      return;
    }
    (this.capBuf as Uint8Array)[this.capBase + this.capLen++] = v;
  }

  private endString(): void {
    if (this.strIsKey) {
      const t = this.depth - 1;
      this.keyLen[t] = this.capLen;
      this.keyId[t] = this.capOverflow ? 0 : keyIdOf(this.keyText, t * KEY_MAX, this.capLen);
      this.capBuf = null;
      this.mode = M_COLON;
      return;
    }
    if (this.strNode === N_NSG_TUPLE) this.nsgTuple();
    else if (this.strNode === N_VNET_TUPLE) this.vnetTuple();
    this.capBuf = null;
    this.valueDone();
  }

  /** Feeds one byte to the number; false when the byte ends it (the number is then finished). */
  private numberByte(c: number): boolean {
    const digit = c >= 48 && c <= 57;
    switch (this.numState) {
      case NS_MINUS:
        if (!digit) return false;
        this.numState = c === 48 ? NS_ZERO : NS_INT;
        return true;
      case NS_ZERO:
      case NS_INT:
        if (digit && this.numState === NS_INT) {
          if (this.numValue >= 0) this.numValue = this.numValue * 10 + (c - 48);
          return true;
        }
        if (c === 46) {
          this.numState = NS_DOT;
          this.numValue = -1;
          return true;
        }
        if (c === 101 || c === 69) {
          this.numState = NS_EXP;
          this.numValue = -1;
          return true;
        }
        break;
      case NS_DOT:
        if (!digit) return false;
        this.numState = NS_FRAC;
        return true;
      case NS_FRAC:
        if (digit) return true;
        if (c === 101 || c === 69) {
          this.numState = NS_EXP;
          return true;
        }
        break;
      case NS_EXP:
        if (c === 43 || c === 45) {
          this.numState = NS_EXP_SIGN;
          return true;
        }
        if (!digit) return false;
        this.numState = NS_EXP_DIGITS;
        return true;
      case NS_EXP_SIGN:
        if (!digit) return false;
        this.numState = NS_EXP_DIGITS;
        return true;
      case NS_EXP_DIGITS:
        if (digit) return true;
        break;
    }
    // The byte follows a complete number: finish it and let the caller read the byte again.
    if (this.numNode === N_NSG_VERSION) this.nsgVersion = this.numValue;
    else if (this.numNode === N_VNET_VERSION) this.vnetVersion = this.numValue;
    this.valueDone();
    return false;
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
    if (this.capOverflow) return this.refuseTuple('tuple-too-long');
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
    if (this.capOverflow) return this.refuseTuple('tuple-too-long');
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
    if (this.errors.length < this.maxErrors) this.errors.push({ index: this.path(), reason });
  }

  private error(index: string, reason: string, offset?: number, statsReason = reason): void {
    this.rejected++;
    this.stats?.reject(statsReason);
    if (this.errors.length < this.maxErrors) {
      this.errors.push(offset === undefined ? { index, reason } : { index, reason, offset });
    }
  }

  /** Invalid JSON: one error, and the rest of the document is ignored. */
  private fail(what: string, p: number, atEnd = false): void {
    const offset = atEnd ? this.offset : this.offset + p;
    this.mode = M_FAILED;
    this.error(this.path(), `invalid-json: ${what}`, offset, 'invalid-json');
  }

  /** Where the scanner is, as `records[3].properties.flows[0]` (cold path: errors only). */
  private path(): string {
    let out = '';
    for (let t = 0; t < this.depth; t++) {
      if (this.kind[t] === K_ARRAY) out += `[${this.index[t]}]`;
      else if (this.keyLen[t] >= 0) {
        const key = Buffer.from(this.keyText.subarray(t * KEY_MAX, t * KEY_MAX + this.keyLen[t])).toString('utf8');
        out += out === '' ? key : `.${key}`;
      }
    }
    return out === '' ? '$' : out;
  }
}

function keyIdOf(b: Uint8Array, s: number, n: number): number {
  for (let k = 0; k < KEY_BYTES.length; k++) {
    const w = KEY_BYTES[k];
    if (w.length !== n) continue;
    let m = 0;
    while (m < n && b[s + m] === w[m]) m++;
    if (m === n) return k + 1;
  }
  return 0;
}

function escaped(c: number): number {
  switch (c) {
    case 34:
    case 92:
    case 47:
      return c;
    case 98:
      return 8;
    case 102:
      return 12;
    case 110:
      return 10;
    case 114:
      return 13;
    case 116:
      return 9;
    default:
      return -1;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function isValueStart(c: number): boolean {
  return c === 123 || c === 91 || c === 34 || c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110;
}

function numberCanEnd(state: number): boolean {
  return state === NS_ZERO || state === NS_INT || state === NS_FRAC || state === NS_EXP_DIGITS;
}

/** The single byte of a one-character field, or -1. */
function oneChar(b: Uint8Array, s: number, e: number): number {
  return e - s === 1 ? b[s] : -1;
}

/** A counter; empty means none was given (NSG begin tuples) and counts as 0. */
function counter(b: Uint8Array, s: number, e: number): number {
  return s === e ? 0 : parseUintAscii(b, s, e, MAX_COUNTER);
}
