import type { IngestSink } from './login-joiner';
import { DEFAULT_LINE_PREFIX, LinePrefix } from './line-prefix';
import { LogParser, type LogParserOptions } from './log-parser';
import { severityOf } from './log-record';

/**
 * PostgreSQL's stderr log (log_destination = stderr, as the logging collector writes it): each
 * entry is `<log_line_prefix>SEVERITY:  message`, continued on lines that start with a TAB. The
 * prefix is compiled once; a line that does not start with it (nor with a TAB) is rejected.
 */
export class StderrLogParser extends LogParser {
  readonly prefix: LinePrefix;

  constructor(serverId: string, sink: IngestSink, linePrefix: string | null = null, options: LogParserOptions = {}) {
    super(serverId, sink, options);
    this.prefix = new LinePrefix(linePrefix ?? DEFAULT_LINE_PREFIX);
  }

  protected parseRecord(b: Buffer, s: number, e: number, offset: number): string {
    if (s === e) {
      this.counts = false;
      return '';
    }
    if (b[s] === 9) {
      this.counts = false;
      this.joiner.onContinuation(b, s + 1, e);
      return '';
    }
    const r = this.rec;
    r.reset(b);
    const p = this.prefix.match(b, s, e, r);
    if (p < 0) return 'prefix-mismatch';
    let q = p;
    while (q < e && ((b[q] >= 65 && b[q] <= 90) || (b[q] >= 48 && b[q] <= 57))) q++;
    if (q + 3 > e || b[q] !== 58 || b[q + 1] !== 32 || b[q + 2] !== 32) return 'no-severity';
    const sev = severityOf(b, p, q);
    if (sev < 0) return 'no-severity';
    r.severity = sev;
    q += 3;
    // log_error_verbosity = verbose writes the SQLSTATE first: `LOG:  00000: message`.
    if (q + 7 <= e && b[q + 5] === 58 && b[q + 6] === 32 && isState(b, q)) {
      if (r.stateE === r.stateS) {
        r.stateS = q;
        r.stateE = q + 5;
      }
      q += 7;
    }
    r.msgS = q;
    r.msgE = e;
    if (r.at !== r.at) r.at = this.now;
    this.joiner.onRecord(r, offset, false);
    return '';
  }
}

function isState(b: Uint8Array, s: number): boolean {
  let digit = false;
  for (let p = s; p < s + 5; p++) {
    const c = b[p];
    if (c >= 48 && c <= 57) digit = true;
    else if (c < 65 || c > 90) return false;
  }
  return digit;
}
