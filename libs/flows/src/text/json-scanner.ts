/**
 * A streaming JSON scanner driven by a path table, for documents too large to parse whole.
 *
 * The document is scanned byte by byte with a small state machine (RFC 8259, validated whole): memory
 * is fixed (a nesting stack and one string buffer) and nothing is built per value. A JsonPathTable
 * names the values that matter by their path (object members by key, array elements); every other
 * value is only validated. The scanner hands the values on the table to a JsonSink: a string's
 * bytes when its closing quote arrives, a number's integer value when it ends, and the opening of
 * each container on the table. Invalid JSON is one call of `invalidJson` and ends the document.
 */

/** Node kinds in a path table. */
export const JSON_OBJECT = 1;
export const JSON_ARRAY = 2;
export const JSON_STRING = 3;
export const JSON_NUMBER = 4;

/**
 * One node of a path table: an object (member key -> node name), an array (element node name),
 * or a leaf value delivered to the sink ('string' or 'number').
 */
export type JsonPathNode = { object: Record<string, string> } | { array: string } | 'string' | 'number';

/**
 * The values of a document that matter, as a table of nodes: `root` is the document, and each
 * node names its members or elements. Node ids are small numbers (0 = off the table); look them
 * up with `id(name)` once, outside the hot path.
 */
export class JsonPathTable {
  /** Per node id: JSON_OBJECT, JSON_ARRAY, JSON_STRING or JSON_NUMBER. */
  readonly kind: Uint8Array;
  /** Per array node id: the node id of its elements. */
  readonly element: Uint8Array;
  /** Per (object node id, key id): the member's node id; row length keys.length + 1. */
  readonly member: Uint8Array;
  /** The member keys of all objects, key id = index + 1 (0: any other key). */
  readonly keys: readonly Uint8Array[];
  /** The root node id (1). */
  readonly root = 1;
  private readonly ids = new Map<string, number>();

  constructor(root: string, nodes: Record<string, JsonPathNode>) {
    if (!(root in nodes)) throw new Error(`JsonPathTable: no node ${root}`);
    const names = [root, ...Object.keys(nodes).filter((n) => n !== root)];
    if (names.length > 255) throw new Error('JsonPathTable: at most 255 nodes');
    names.forEach((n, i) => this.ids.set(n, i + 1));
    const keyNames: string[] = [];
    for (const n of names) {
      const spec = nodes[n];
      if (typeof spec === 'object' && 'object' in spec)
        for (const k of Object.keys(spec.object)) if (!keyNames.includes(k)) keyNames.push(k);
    }
    this.keys = keyNames.map((k) => Buffer.from(k, 'utf8'));
    const width = keyNames.length + 1;
    this.kind = new Uint8Array(names.length + 1);
    this.element = new Uint8Array(names.length + 1);
    this.member = new Uint8Array((names.length + 1) * width);
    for (const n of names) {
      const id = this.id(n);
      const spec = nodes[n];
      if (spec === 'string') this.kind[id] = JSON_STRING;
      else if (spec === 'number') this.kind[id] = JSON_NUMBER;
      else if ('array' in spec) {
        this.kind[id] = JSON_ARRAY;
        this.element[id] = this.id(spec.array);
      } else {
        this.kind[id] = JSON_OBJECT;
        for (const [k, child] of Object.entries(spec.object))
          this.member[id * width + keyNames.indexOf(k) + 1] = this.id(child);
      }
    }
  }

  /** The id of a node by name (throws for a name not in the table). */
  id(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`JsonPathTable: no node ${name}`);
    return id;
  }

  /** The key id of the key in b[s, s + n), 0 when no object of the table has that member. */
  keyId(b: Uint8Array, s: number, n: number): number {
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) {
      const w = keys[k];
      if (w.length !== n) continue;
      let m = 0;
      while (m < n && b[s + m] === w[m]) m++;
      if (m === n) return k + 1;
    }
    return 0;
  }
}

/** What the scanner reports. Every call is for a node on the table (id > 0). */
export interface JsonSink {
  /** An object or array node opens (its kind matches the table). */
  open(node: number): void;
  /**
   * A string node's value is complete: its bytes (escapes decoded; non-ASCII escapes as 0xff) in
   * buf[0, length), cut at the scanner's maxStringBytes when `overflow`. Valid until the call returns.
   */
  string(node: number, buf: Uint8Array, length: number, overflow: boolean): void;
  /** A number node's value is complete: its value when a plain non-negative integer, else -1. */
  number(node: number, value: number): void;
  /** A string or number node holds a value of another type (it is otherwise only validated). */
  mismatch(node: number): void;
  /** The document is not JSON: `what` says why, `offset` where (bytes from the start). */
  invalidJson(what: string, offset: number): void;
}

export interface JsonScannerOptions {
  /** JSON nesting allowed. Default 64. */
  maxDepth?: number;
  /** Longest string node value kept, in bytes (longer ones arrive cut, `overflow` set). Default 1024. */
  maxStringBytes?: number;
}

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

const N_NONE = 0;

const BOM = [0xef, 0xbb, 0xbf];
const LIT_TRUE = Buffer.from('true', 'latin1');
const LIT_FALSE = Buffer.from('false', 'latin1');
const LIT_NULL = Buffer.from('null', 'latin1');

/** Longest object key remembered (for matching and for error paths); longer keys are cut. */
const KEY_MAX = 48;

export class JsonScanner {
  private readonly maxDepth: number;
  private readonly kindOf: Uint8Array;
  private readonly elementOf: Uint8Array;
  private readonly memberOf: Uint8Array;
  private readonly keyWidth: number;

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

  // The string being read: a key, a string node's value, or something only validated.
  private strIsKey = false;
  private strNode = N_NONE;
  private capBuf: Uint8Array | null = null;
  private capBase = 0;
  private capLen = 0;
  private capMax = 0;
  private capOverflow = false;
  private unicodeLeft = 0;
  private unicodeValue = 0;
  private readonly stringBuf: Uint8Array;

  // The number or literal being read.
  private numState = NS_MINUS;
  private numNode = N_NONE;
  /** Integer value of the number; -1 once it is not a plain non-negative integer. */
  private numValue = 0;
  private lit: Uint8Array = LIT_TRUE;
  private litPos = 0;

  constructor(
    private readonly table: JsonPathTable,
    private readonly sink: JsonSink,
    options: JsonScannerOptions = {},
  ) {
    this.maxDepth = options.maxDepth ?? 64;
    this.stringBuf = new Uint8Array(options.maxStringBytes ?? 1024);
    this.kindOf = table.kind;
    this.elementOf = table.element;
    this.memberOf = table.member;
    this.keyWidth = table.keys.length + 1;
    const d = this.maxDepth;
    this.kind = new Uint8Array(d);
    this.node = new Uint8Array(d);
    this.index = new Int32Array(d);
    this.keyId = new Uint8Array(d);
    this.keyText = new Uint8Array(d * KEY_MAX);
    this.keyLen = new Int32Array(d);
  }

  /** Scans the next bytes of the document; values complete in them reach the sink at once. */
  write(chunk: Uint8Array): void {
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
            // The values and keys that matter are ASCII; anything else just fails to match.
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

  /**
   * Ends the document: true when it was one complete JSON value; otherwise the sink has been told
   * (`invalidJson`: empty-document, unexpected-end, or the earlier failure).
   */
  end(): boolean {
    if (this.mode === M_NUMBER && this.depth === 0 && numberCanEnd(this.numState)) this.valueDone();
    if (!this.started) this.fail('empty-document', 0, true);
    else if (this.mode !== M_DONE && this.mode !== M_FAILED) this.fail('unexpected-end', 0, true);
    return this.mode === M_DONE;
  }

  /** Where the scanner is, as `records[3].properties.flows[0]` (cold path: errors only). */
  path(): string {
    let out = '';
    for (let t = 0; t < this.depth; t++) {
      if (this.kind[t] === JSON_ARRAY) out += `[${this.index[t]}]`;
      else if (this.keyLen[t] >= 0) {
        const key = Buffer.from(this.keyText.subarray(t * KEY_MAX, t * KEY_MAX + this.keyLen[t])).toString('utf8');
        out += out === '' ? key : `.${key}`;
      }
    }
    return out === '' ? '$' : out;
  }

  /** A byte outside strings, numbers and literals (whitespace already skipped). */
  private structural(c: number, p: number): void {
    switch (this.mode) {
      case M_VALUE_OR_END:
        if (c === 93) {
          this.close(JSON_ARRAY, p);
          return;
        }
        this.valueStart(c, p);
        return;
      case M_VALUE:
        this.valueStart(c, p);
        return;
      case M_KEY_OR_END:
        if (c === 125) {
          this.close(JSON_OBJECT, p);
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
          if (this.kind[t] === JSON_ARRAY) {
            this.index[t]++;
            this.mode = M_VALUE;
          } else {
            this.keyLen[t] = -1;
            this.mode = M_KEY;
          }
        } else if (c === 93) this.close(JSON_ARRAY, p);
        else if (c === 125) this.close(JSON_OBJECT, p);
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
    if (this.depth === 0) return this.table.root;
    const t = this.depth - 1;
    const parent = this.node[t];
    if (parent === N_NONE) return N_NONE;
    return this.kind[t] === JSON_ARRAY
      ? this.elementOf[parent]
      : this.memberOf[parent * this.keyWidth + this.keyId[t]];
  }

  private valueStart(c: number, p: number): void {
    const node = this.childNode();
    const nk = this.kindOf[node];
    if (node !== N_NONE && isValueStart(c)) {
      if (nk === JSON_STRING ? c !== 34 : nk === JSON_NUMBER && c !== 45 && (c < 48 || c > 57))
        this.sink.mismatch(node);
    }
    if (c === 123 || c === 91) {
      this.open(c === 123 ? JSON_OBJECT : JSON_ARRAY, node, p);
      return;
    }
    if (c === 34) {
      this.strIsKey = false;
      this.strNode = nk === JSON_STRING ? node : N_NONE;
      if (nk === JSON_STRING) this.startCapture(this.stringBuf, 0, this.stringBuf.length);
      else this.capBuf = null;
      this.mode = M_STRING;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      this.numNode = nk === JSON_NUMBER ? node : N_NONE;
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
    const n = this.kindOf[node] === kind ? node : N_NONE;
    this.kind[t] = kind;
    this.node[t] = n;
    this.index[t] = 0;
    this.keyId[t] = 0;
    this.keyLen[t] = -1;
    this.mode = kind === JSON_OBJECT ? M_KEY_OR_END : M_VALUE_OR_END;
    if (n !== N_NONE) this.sink.open(n);
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
      this.keyId[t] = this.capOverflow ? 0 : this.table.keyId(this.keyText, t * KEY_MAX, this.capLen);
      this.capBuf = null;
      this.mode = M_COLON;
      return;
    }
    if (this.strNode !== N_NONE) this.sink.string(this.strNode, this.stringBuf, this.capLen, this.capOverflow);
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
    if (this.numNode !== N_NONE) this.sink.number(this.numNode, this.numValue);
    this.valueDone();
    return false;
  }

  /** Invalid JSON: one report, and the rest of the document is ignored. */
  private fail(what: string, p: number, atEnd = false): void {
    this.mode = M_FAILED;
    this.sink.invalidJson(what, atEnd ? this.offset : this.offset + p);
  }
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
