import type { IngestSink } from './login-joiner';
import { LogParser, sharedScratch, type LogParserOptions } from './log-parser';
import {
  F_DB,
  F_DETAIL,
  F_MESSAGE,
  F_NONE,
  F_SESSION,
  F_SEVERITY,
  F_STATE,
  F_TIME,
  F_USER,
  setTextField,
} from './log-record';

/**
 * PostgreSQL's csvlog: one CSV row per entry, fields quoted with `"` and quotes doubled, newlines
 * kept inside quoted fields. Columns (PostgreSQL 14+, 26 of them; the first 15 are needed):
 * log_time, user_name, database_name, process_id, connection_from, session_id,
 * session_line_num, command_tag, session_start_time, virtual_transaction_id, transaction_id,
 * error_severity, sql_state_code, message, detail, hint, ...
 *
 * A row with broken quoting would swallow the rows after it; since every csvlog row starts with
 * its timestamp, a newline inside quotes followed by `YYYY-MM-DD HH:MM:SS` ends the row (which is
 * then rejected), so one bad row costs only itself.
 */
const C_PID = 3;
const C_FROM = 4;
const C_DETAIL = 14;
/** The text field of each column up to detail (pid and connection_from are read apart). */
const COLUMN_FIELDS = [
  F_TIME,
  F_USER,
  F_DB,
  F_NONE,
  F_NONE,
  F_SESSION,
  F_NONE,
  F_NONE,
  F_NONE,
  F_NONE,
  F_NONE,
  F_SEVERITY,
  F_STATE,
  F_MESSAGE,
  F_DETAIL,
];

export class CsvLogParser extends LogParser {
  private inQuotes = false;
  private inner = 0;
  private innerDone = 0;
  /** Unquoted field text; the record's ranges point into it. */
  private readonly scratch: Buffer;

  constructor(serverId: string, sink: IngestSink, options: LogParserOptions = {}) {
    super(serverId, sink, options);
    this.scratch = sharedScratch(this.maxRecordBytes);
  }

  protected override scan(b: Buffer, s: number, e: number): number {
    let p = s;
    let nl = b.indexOf(10, p);
    if (nl >= e) nl = -1;
    while (p < e) {
      if (nl >= 0 && nl < p) {
        nl = b.indexOf(10, p);
        if (nl >= e) nl = -1;
      }
      let q = b.indexOf(34, p);
      if (q >= e || (nl >= 0 && q > nl)) q = -1;
      if (q < 0) {
        if (nl < 0) return -1;
        if (!this.inQuotes) return this.endRow(nl);
        // A newline inside quotes: part of the field, unless a new row starts after it.
        if (rowStart(b, nl + 1, e)) {
          this.inQuotes = false;
          return this.endRow(nl);
        }
        this.inner++;
        p = nl + 1;
        continue;
      }
      // `""` inside quotes toggles twice: the state is right either way.
      this.inQuotes = !this.inQuotes;
      p = q + 1;
    }
    return -1;
  }

  private endRow(nl: number): number {
    this.innerDone = this.inner;
    this.inner = 0;
    return nl;
  }

  protected override innerLines(): number {
    const n = this.innerDone;
    this.innerDone = 0;
    return n;
  }

  protected parseRecord(b: Buffer, s: number, e: number, offset: number): string {
    if (s === e) {
      this.counts = false;
      return '';
    }
    const r = this.rec;
    const out = this.scratch;
    r.reset(out);
    let o = 0;
    let col = 0;
    let p = s;
    while (col <= C_DETAIL) {
      // Columns nobody reads are only stepped over.
      const keep = COLUMN_FIELDS[col] !== F_NONE || col === C_PID || col === C_FROM;
      const fs = o;
      if (p < e && b[p] === 34) {
        // Quoted: unquote into scratch.
        p++;
        for (;;) {
          if (p >= e) return 'bad-csv';
          const c = b[p];
          if (c === 34) {
            if (p + 1 < e && b[p + 1] === 34) {
              if (keep) out[o++] = 34;
              p += 2;
              continue;
            }
            p++;
            break;
          }
          if (keep) out[o++] = c;
          p++;
        }
      } else if (keep) {
        // Unquoted fields are copied too, so every range points into scratch.
        while (p < e && b[p] !== 44) out[o++] = b[p++];
      } else {
        while (p < e && b[p] !== 44) p++;
      }
      const fe = o;
      if (p < e && b[p] !== 44) return 'bad-csv';
      if (col === C_PID) {
        let n = 0;
        for (let k = fs; k < fe; k++) n = n * 10 + (out[k] - 48);
        r.pid = n;
      } else if (col === C_FROM) {
        // host:port, or [local]
        let k = fe - 1;
        while (k > fs && out[k] >= 48 && out[k] <= 57) k--;
        r.hostS = fs;
        r.hostE = fe;
        if (k > fs && out[k] === 58 && k < fe - 1) {
          r.hostE = k;
          let port = 0;
          for (let j = k + 1; j < fe; j++) port = port * 10 + (out[j] - 48);
          r.port = port;
        }
      } else {
        const bad = setTextField(r, COLUMN_FIELDS[col], fs, fe);
        if (bad) return bad;
      }
      col++;
      if (p >= e) break;
      p++;
    }
    if (col <= C_DETAIL) return 'bad-csv';
    if (r.pid <= 0 && r.sessE > r.sessS) r.sessionKey = hashKey(out, r.sessS, r.sessE);
    this.joiner.onRecord(r, offset, true);
    return '';
  }
}

/** `YYYY-MM-DD HH:MM:SS` at b[s..]: a csvlog row starts here. */
function rowStart(b: Uint8Array, s: number, e: number): boolean {
  if (s + 19 > e) return false;
  for (let k = 0; k < 19; k++) {
    const c = b[s + k];
    const want = k === 4 || k === 7 ? 45 : k === 10 ? 32 : k === 13 || k === 16 ? 58 : -1;
    if (want >= 0 ? c !== want : c < 48 || c > 57) return false;
  }
  return true;
}

/** A number key for a session id (FNV-1a), when there is no pid. */
export function hashKey(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let p = s; p < e; p++) h = Math.imul(h ^ b[p], 0x01000193);
  return (h >>> 0) + 1;
}
