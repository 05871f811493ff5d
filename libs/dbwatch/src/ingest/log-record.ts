import { parsePgTimestamp } from './pg-time';

/**
 * The fields of one log record (one log entry with its continuation lines) that login events need,
 * as byte ranges of `buf`. Each parser owns ONE instance and refills it per record; nothing here
 * is allocated per line. Ranges are [start, end); an absent field is an empty range.
 */
export const enum Severity {
  OTHER = 0,
  LOG = 1,
  FATAL = 2,
  DETAIL = 3,
  ERROR = 4,
}

export class LogRecord {
  buf: Uint8Array = new Uint8Array(0);
  /** Epoch ms; NaN when the format gives no time. */
  at = NaN;
  pid = 0;
  /** `%c` session id as a number (start seconds * 2^22 + pid), 0 when absent. */
  sessionKey = 0;
  sessS = 0;
  sessE = 0;
  userS = 0;
  userE = 0;
  dbS = 0;
  dbE = 0;
  /** Client host as the format gives it on every line (`%r`/`%h`, csvlog, jsonlog). */
  hostS = 0;
  hostE = 0;
  port = 0;
  severity: Severity = Severity.OTHER;
  stateS = 0;
  stateE = 0;
  msgS = 0;
  msgE = 0;
  /** DETAIL inside the same record (csvlog, jsonlog); stderr writes it as its own record. */
  detailS = 0;
  detailE = 0;

  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.at = NaN;
    this.pid = 0;
    this.sessionKey = 0;
    this.sessS = this.sessE = 0;
    this.userS = this.userE = 0;
    this.dbS = this.dbE = 0;
    this.hostS = this.hostE = 0;
    this.port = 0;
    this.severity = Severity.OTHER;
    this.stateS = this.stateE = 0;
    this.msgS = this.msgE = 0;
    this.detailS = this.detailE = 0;
  }
}

// Text fields of csvlog columns and jsonlog keys, set by setTextField.
export const F_NONE = 0;
export const F_TIME = 1;
export const F_USER = 2;
export const F_DB = 3;
export const F_HOST = 4;
export const F_SESSION = 5;
export const F_SEVERITY = 6;
export const F_STATE = 7;
export const F_MESSAGE = 8;
export const F_DETAIL = 9;

/**
 * Sets one text field of a csvlog/jsonlog record from r.buf[s..e) (already unquoted). Returns a
 * rejection reason when the text is not valid for the field, else ''.
 */
export function setTextField(r: LogRecord, f: number, s: number, e: number): string {
  switch (f) {
    case F_TIME:
      r.at = parsePgTimestamp(r.buf, s, e);
      return r.at !== r.at ? 'bad-time' : '';
    case F_USER:
      r.userS = s;
      r.userE = e;
      break;
    case F_DB:
      r.dbS = s;
      r.dbE = e;
      break;
    case F_HOST:
      r.hostS = s;
      r.hostE = e;
      break;
    case F_SESSION:
      r.sessS = s;
      r.sessE = e;
      break;
    case F_SEVERITY: {
      const sev = severityOf(r.buf, s, e);
      if (sev < 0) return 'bad-severity';
      r.severity = sev;
      break;
    }
    case F_STATE:
      r.stateS = s;
      r.stateE = e;
      break;
    case F_MESSAGE:
      r.msgS = s;
      r.msgE = e;
      break;
    case F_DETAIL:
      r.detailS = s;
      r.detailE = e;
      break;
  }
  return '';
}

const enc = (s: string): Buffer => Buffer.from(s, 'latin1');
const SEVERITIES: [Buffer, Severity][] = [
  [enc('LOG'), Severity.LOG],
  [enc('FATAL'), Severity.FATAL],
  [enc('PANIC'), Severity.FATAL],
  [enc('DETAIL'), Severity.DETAIL],
  [enc('ERROR'), Severity.ERROR],
];
const KNOWN_OTHER = ['STATEMENT', 'CONTEXT', 'HINT', 'QUERY', 'LOCATION', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];
const OTHER_WORDS = KNOWN_OTHER.map(enc);

/** -1 when b[s..e) is not a severity word PostgreSQL writes, else its Severity. */
export function severityOf(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  for (let i = 0; i < SEVERITIES.length; i++) {
    const w = SEVERITIES[i][0];
    if (w.length === n && bytesEqual(b, s, w)) return SEVERITIES[i][1];
  }
  for (let i = 0; i < OTHER_WORDS.length; i++) {
    const w = OTHER_WORDS[i];
    // DEBUG1..DEBUG5
    if ((w.length === n || (w.length === n - 1 && i === OTHER_WORDS.length - 1)) && bytesEqual(b, s, w)) {
      return Severity.OTHER;
    }
  }
  return -1;
}

export function bytesEqual(b: Uint8Array, s: number, w: Uint8Array): boolean {
  if (s + w.length > b.length) return false;
  for (let i = 0; i < w.length; i++) if (b[s + i] !== w[i]) return false;
  return true;
}

/** Index of `w` in b[s..e), or -1. */
export function indexOfBytes(b: Uint8Array, w: Uint8Array, s: number, e: number): number {
  const n = w.length;
  if (n === 0) return s;
  const first = w[0];
  const last = e - n;
  for (let p = s; p <= last; p++) {
    if (b[p] !== first) continue;
    let k = 1;
    while (k < n && b[p + k] === w[k]) k++;
    if (k === n) return p;
  }
  return -1;
}
