import { hashKey } from './csv-log.parser';
import type { IngestSink } from './login-joiner';
import { LogParser, sharedScratch, type LogParserOptions } from './log-parser';
import {
  F_DB,
  F_DETAIL,
  F_HOST,
  F_MESSAGE,
  F_SESSION,
  F_SEVERITY,
  F_STATE,
  F_TIME,
  F_USER,
  setTextField,
} from './log-record';

/**
 * PostgreSQL's jsonlog (15+): one JSON object per line, newlines inside values escaped as `\n`.
 * Read with a small byte scanner that knows the keys it needs (timestamp, user, dbname, pid,
 * remote_host, remote_port, session_id, error_severity, state_code, message, detail), unescapes
 * only their string values into one scratch buffer and skips the rest.
 */
// Keys of text fields are their LogRecord field ids; pid and remote_port are numbers read apart.
const K_PID = 100;
const K_REMOTE_PORT = 101;

const KEYS: [string, number][] = [
  ['timestamp', F_TIME],
  ['user', F_USER],
  ['dbname', F_DB],
  ['pid', K_PID],
  ['remote_host', F_HOST],
  ['remote_port', K_REMOTE_PORT],
  ['session_id', F_SESSION],
  ['error_severity', F_SEVERITY],
  ['state_code', F_STATE],
  ['message', F_MESSAGE],
  ['detail', F_DETAIL],
];
const KEY_BYTES = KEYS.map(([k]) => Buffer.from(k, 'latin1'));

const HEXV = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEXV[48 + c] = c;
for (let c = 0; c < 6; c++) HEXV[65 + c] = HEXV[97 + c] = 10 + c;

export class JsonLogParser extends LogParser {
  private readonly scratch: Buffer;
  private o = 0;
  /** End of the last string scanned (index after its closing quote), or -1 when malformed. */
  private strEnd = 0;

  constructor(serverId: string, sink: IngestSink, options: LogParserOptions = {}) {
    super(serverId, sink, options);
    this.scratch = sharedScratch(this.maxRecordBytes);
  }

  protected parseRecord(b: Buffer, s: number, e: number, offset: number): string {
    let p = ws(b, s, e);
    if (p === e) {
      this.counts = false;
      return '';
    }
    if (b[p] !== 123) return 'bad-json';
    const r = this.rec;
    r.reset(this.scratch);
    this.o = 0;
    let sawTime = false;
    p = ws(b, p + 1, e);
    if (p < e && b[p] === 125) return 'bad-json';
    for (;;) {
      if (p >= e || b[p] !== 34) return 'bad-json';
      // Keys PostgreSQL writes need no unescaping.
      const ks = p + 1;
      let ke = ks;
      while (ke < e && b[ke] !== 34 && b[ke] !== 92) ke++;
      if (ke >= e || b[ke] !== 34) return 'bad-json';
      const key = keyOf(b, ks, ke);
      p = ws(b, ke + 1, e);
      if (p >= e || b[p] !== 58) return 'bad-json';
      p = ws(b, p + 1, e);
      if (p >= e) return 'bad-json';
      if (b[p] === 34) {
        const vs = this.o;
        if (key === 0 || key === K_PID || key === K_REMOTE_PORT) {
          p = skipString(b, p + 1, e);
          if (p < 0) return 'bad-json';
        } else {
          p = this.unescape(b, p + 1, e);
          if (p < 0) return 'bad-json';
          const ve = this.o;
          const bad = setTextField(r, key, vs, ve);
          if (bad) return bad;
          if (key === F_TIME) sawTime = true;
        }
      } else {
        // number, true/false/null
        const vs = p;
        if (b[p] === 45) p++;
        while (
          p < e &&
          ((b[p] >= 48 && b[p] <= 57) || (b[p] >= 97 && b[p] <= 122) || b[p] === 46 || b[p] === 43 || b[p] === 45)
        ) {
          p++;
        }
        if (p === vs) return 'bad-json';
        if (key === K_PID || key === K_REMOTE_PORT) {
          let n = 0;
          for (let k = vs; k < p; k++) {
            const d = b[k] - 48;
            if (d < 0 || d > 9) return 'bad-json';
            n = n * 10 + d;
          }
          if (key === K_PID) r.pid = n;
          else r.port = n;
        }
      }
      p = ws(b, p, e);
      if (p >= e) return 'bad-json';
      if (b[p] === 125) break;
      if (b[p] !== 44) return 'bad-json';
      p = ws(b, p + 1, e);
    }
    if (ws(b, p + 1, e) !== e) return 'bad-json';
    if (!sawTime) r.at = this.now;
    if (r.pid <= 0 && r.sessE > r.sessS) r.sessionKey = hashKey(this.scratch, r.sessS, r.sessE);
    this.joiner.onRecord(r, offset, true);
    return '';
  }

  /** A JSON string body from b[s..] (after its opening quote) into scratch; index after the closing quote, or -1. */
  private unescape(b: Uint8Array, s: number, e: number): number {
    const out = this.scratch;
    let o = this.o;
    let p = s;
    while (p < e) {
      const c = b[p];
      if (c === 34) {
        this.o = o;
        return p + 1;
      }
      if (c !== 92) {
        if (c < 32) return -1;
        out[o++] = c;
        p++;
        continue;
      }
      if (p + 1 >= e) return -1;
      const x = b[p + 1];
      p += 2;
      switch (x) {
        case 110:
          out[o++] = 10;
          break; // \n
        case 116:
          out[o++] = 9;
          break; // \t
        case 114:
          out[o++] = 13;
          break; // \r
        case 98:
          out[o++] = 8;
          break; // \b
        case 102:
          out[o++] = 12;
          break; // \f
        case 34:
        case 92:
        case 47:
          out[o++] = x;
          break;
        case 117: {
          // \uXXXX to UTF-8 (a lone surrogate is written as U+FFFD)
          if (p + 4 > e) return -1;
          let u = 0;
          for (let k = 0; k < 4; k++) {
            const h = HEXV[b[p + k]];
            if (h < 0) return -1;
            u = u * 16 + h;
          }
          p += 4;
          if (u >= 0xd800 && u <= 0xdbff && p + 6 <= e && b[p] === 92 && b[p + 1] === 117) {
            let lo = 0;
            for (let k = 0; k < 4; k++) lo = lo * 16 + Math.max(0, HEXV[b[p + 2 + k]]);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
              p += 6;
            }
          }
          if (u >= 0xd800 && u <= 0xdfff) u = 0xfffd;
          if (u < 0x80) out[o++] = u;
          else if (u < 0x800) {
            out[o++] = 0xc0 | (u >> 6);
            out[o++] = 0x80 | (u & 63);
          } else if (u < 0x10000) {
            out[o++] = 0xe0 | (u >> 12);
            out[o++] = 0x80 | ((u >> 6) & 63);
            out[o++] = 0x80 | (u & 63);
          } else {
            out[o++] = 0xf0 | (u >> 18);
            out[o++] = 0x80 | ((u >> 12) & 63);
            out[o++] = 0x80 | ((u >> 6) & 63);
            out[o++] = 0x80 | (u & 63);
          }
          break;
        }
        default:
          return -1;
      }
    }
    return -1;
  }
}

function ws(b: Uint8Array, p: number, e: number): number {
  while (p < e && (b[p] === 32 || b[p] === 9 || b[p] === 13 || b[p] === 10)) p++;
  return p;
}

function skipString(b: Uint8Array, p: number, e: number): number {
  while (p < e) {
    const c = b[p];
    if (c === 34) return p + 1;
    if (c === 92) {
      // \" \\ \/ \b \f \n \r \t \u
      const x = b[p + 1];
      if (
        x !== 34 &&
        x !== 92 &&
        x !== 47 &&
        x !== 98 &&
        x !== 102 &&
        x !== 110 &&
        x !== 114 &&
        x !== 116 &&
        x !== 117
      ) {
        return -1;
      }
      p += 2;
    } else if (c < 32) return -1;
    else p++;
  }
  return -1;
}

function keyOf(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  for (let i = 0; i < KEY_BYTES.length; i++) {
    const k = KEY_BYTES[i];
    if (k.length !== n || k[0] !== b[s]) continue;
    let j = 1;
    while (j < n && k[j] === b[s + j]) j++;
    if (j === n) return KEYS[i][1];
  }
  return 0;
}
