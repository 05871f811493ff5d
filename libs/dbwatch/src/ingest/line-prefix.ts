import { LogRecord } from './log-record';
import { parsePgTimestamp, pgTime } from './pg-time';

/**
 * A stderr log_line_prefix compiled once into a matcher that reads a line's prefix in place,
 * filling a LogRecord (time, pid, session, user, database, client host) and returning where the
 * `SEVERITY:  message` part starts.
 *
 * Escapes with a fixed shape are read by shape (`%m %t %s` timestamps, `%n` epoch, `%p %P %l %x`
 * numbers, `%c` session id, `%r` host(port), `%e` SQLSTATE), so a literal after them may also
 * occur inside them (`%t-%c-`). Free text (`%u %d %a %h %b %i %v`) ends at the first occurrence
 * of the literal that follows it in the prefix: a user or database name containing that literal
 * is misread (a limit of the text format itself). `%q` ends the prefix for lines of background
 * processes, which print nothing after it.
 */
export const LINE_PREFIX_PRESETS = {
  /** Debian/Ubuntu packages' default. */
  debian: '%m [%p] %q%u@%d ',
  /** Time and session id, no pid (as one large managed service writes). */
  session: '%t-%c-',
  /** Time, remote host(port), user@db, pid (as another managed service writes). */
  remote: '%t:%r:%u@%d:[%p]:',
} as const;
export const DEFAULT_LINE_PREFIX = LINE_PREFIX_PRESETS.debian;

const T_LIT = 0;
const T_TIME = 1; // %m %t: the record's time
const T_TIME_SKIP = 2; // %s: session start
const T_EPOCH = 3; // %n
const T_PID = 4;
const T_NUM = 5; // %P %l %x %Q
const T_SESSION = 6;
const T_REMOTE = 7; // %r
const T_STATE = 8; // %e
const T_Q = 9;
const T_USER = 10;
const T_DB = 11;
const T_HOST = 12; // %h
const T_TEXT = 13; // %a %b %i %v and unknown escapes

interface Token {
  type: number;
  lit: Uint8Array;
}

export class LinePrefix {
  private readonly tokens: Token[];
  /** Whether the prefix gives the client host on every line (%r or %h). */
  readonly hasHost: boolean;
  readonly hasPid: boolean;
  readonly hasSession: boolean;

  constructor(readonly source: string) {
    this.tokens = compile(source);
    this.hasHost = this.tokens.some((t) => t.type === T_REMOTE || t.type === T_HOST);
    this.hasPid = this.tokens.some((t) => t.type === T_PID);
    this.hasSession = this.tokens.some((t) => t.type === T_SESSION);
  }

  /**
   * Reads the prefix of b[s..e) into `r`; returns the index just past it, or -1 when the line
   * does not start with this prefix.
   */
  match(b: Uint8Array, s: number, e: number, r: LogRecord): number {
    const toks = this.tokens;
    let p = s;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      switch (t.type) {
        case T_LIT: {
          const w = t.lit;
          if (p + w.length > e) return -1;
          for (let k = 0; k < w.length; k++) if (b[p + k] !== w[k]) return -1;
          p += w.length;
          break;
        }
        case T_TIME:
        case T_TIME_SKIP: {
          const ms = parsePgTimestamp(b, p, e);
          if (ms !== ms) return -1;
          if (t.type === T_TIME) r.at = ms;
          p = pgTime.end;
          break;
        }
        case T_EPOCH: {
          let sec = 0;
          let q = p;
          while (q < e && b[q] >= 48 && b[q] <= 57) sec = sec * 10 + (b[q++] - 48);
          if (q === p || b[q] !== 46) return -1;
          let ms = 0;
          let scale = 100;
          q++;
          while (q < e && b[q] >= 48 && b[q] <= 57) {
            ms += (b[q++] - 48) * scale;
            scale /= 10;
          }
          r.at = sec * 1000 + Math.floor(ms);
          p = q;
          break;
        }
        case T_PID: {
          let n = 0;
          const q0 = p;
          while (p < e && b[p] >= 48 && b[p] <= 57) n = n * 10 + (b[p++] - 48);
          if (p === q0) return -1;
          r.pid = n;
          break;
        }
        case T_NUM:
          if (p < e && b[p] === 45) p++;
          while (p < e && b[p] >= 48 && b[p] <= 57) p++;
          break;
        case T_SESSION: {
          const q = readSessionId(b, p, e, r);
          if (q < 0) return -1;
          p = q;
          break;
        }
        case T_REMOTE:
          p = readRemote(b, p, e, r);
          break;
        case T_STATE:
          if (p + 5 > e) return -1;
          r.stateS = p;
          r.stateE = p + 5;
          p += 5;
          break;
        case T_Q:
          // Background processes print nothing from %q on: the severity follows at once.
          if (looksLikeSeverity(b, p, e)) return p;
          break;
        default: {
          // Free text up to the next literal (or a space when nothing literal follows).
          const next = i + 1 < toks.length && toks[i + 1].type === T_LIT ? toks[i + 1].lit : SPACE;
          const q = find(b, next, p, e);
          if (q < 0) return -1;
          if (t.type === T_USER) {
            r.userS = p;
            r.userE = q;
          } else if (t.type === T_DB) {
            r.dbS = p;
            r.dbE = q;
          } else if (t.type === T_HOST) {
            r.hostS = p;
            r.hostE = q;
          }
          p = q;
        }
      }
    }
    return p;
  }
}

const SPACE = Uint8Array.of(32);

function find(b: Uint8Array, w: Uint8Array, s: number, e: number): number {
  const first = w[0];
  const last = e - w.length;
  for (let p = s; p <= last; p++) {
    if (b[p] !== first) continue;
    let k = 1;
    while (k < w.length && b[p + k] === w[k]) k++;
    if (k === w.length) return p;
  }
  return -1;
}

/** `[A-Z]+[0-9]?:  ` — the start of `LOG:  ...`. */
function looksLikeSeverity(b: Uint8Array, p: number, e: number): boolean {
  const q0 = p;
  while (p < e && b[p] >= 65 && b[p] <= 90) p++;
  if (p < e && b[p] >= 48 && b[p] <= 57) p++;
  return p > q0 && p + 2 < e && b[p] === 58 && b[p + 1] === 32 && b[p + 2] === 32;
}

const HEXV = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEXV[48 + c] = c;
for (let c = 0; c < 6; c++) HEXV[65 + c] = HEXV[97 + c] = 10 + c;

/** `%c`: hex(start time) '.' hex(pid). Sets the record's session range and key; -1 if not one. */
export function readSessionId(b: Uint8Array, s: number, e: number, r: LogRecord): number {
  let p = s;
  let start = 0;
  while (p < e && HEXV[b[p]] >= 0 && p - s < 13) start = start * 16 + HEXV[b[p++]];
  if (p === s || p >= e || b[p] !== 46) return -1;
  p++;
  const q0 = p;
  let pid = 0;
  while (p < e && HEXV[b[p]] >= 0 && p - q0 < 8) pid = pid * 16 + HEXV[b[p++]];
  if (p === q0) return -1;
  r.sessS = s;
  r.sessE = p;
  r.sessionKey = start * 4194304 + (pid % 4194304) + 1;
  return p;
}

/** `%r`: `host(port)`, `[local]`, or nothing (background processes). */
function readRemote(b: Uint8Array, s: number, e: number, r: LogRecord): number {
  if (s < e && b[s] === 91) {
    // [local]
    let p = s;
    while (p < e && b[p] !== 93) p++;
    return p < e ? p + 1 : s;
  }
  let p = s;
  while (p < e && p - s < 256) {
    const c = b[p];
    // host name or address characters
    if (
      (c >= 48 && c <= 58) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 46 ||
      c === 45 ||
      c === 95 ||
      c === 37
    )
      p++;
    else break;
  }
  if (p === s || p >= e || b[p] !== 40) return s;
  const hostE = p;
  p++;
  let port = 0;
  while (p < e && b[p] >= 48 && b[p] <= 57) port = port * 10 + (b[p++] - 48);
  if (p >= e || b[p] !== 41) return s;
  r.hostS = s;
  r.hostE = hostE;
  r.port = port;
  return p + 1;
}

const ESCAPES: Record<string, number> = {
  m: T_TIME,
  t: T_TIME,
  s: T_TIME_SKIP,
  n: T_EPOCH,
  p: T_PID,
  P: T_NUM,
  l: T_NUM,
  x: T_NUM,
  Q: T_NUM,
  c: T_SESSION,
  r: T_REMOTE,
  e: T_STATE,
  q: T_Q,
  u: T_USER,
  d: T_DB,
  h: T_HOST,
};

function compile(src: string): Token[] {
  const tokens: Token[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) tokens.push({ type: T_LIT, lit: Buffer.from(lit, 'utf8') });
    lit = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c !== '%' || i + 1 >= src.length) {
      lit += c;
      continue;
    }
    i++;
    // Padding (%-10u, %10u): accepted; the value is then space padded and read as text.
    while (i < src.length && /[-0-9]/.test(src[i])) i++;
    const esc = src[i];
    if (esc === '%') {
      lit += '%';
      continue;
    }
    flush();
    const type = ESCAPES[esc] ?? T_TEXT;
    tokens.push({ type, lit: new Uint8Array(0) });
  }
  flush();
  return tokens;
}
