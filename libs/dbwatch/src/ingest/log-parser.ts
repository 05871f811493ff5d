import { LoginJoiner, type IngestSink } from './login-joiner';
import { LogRecord } from './log-record';

/**
 * The streaming part every PostgreSQL log parser shares: fed byte chunks split anywhere, it finds
 * each record's end (a newline; for csvlog one outside quotes) and hands the record's bytes in
 * place to the format's `parseRecord`. Only a record cut by a chunk boundary is copied, into one
 * fixed carry buffer. A record longer than `maxRecordBytes` (default 256 KB) is skipped unread and
 * counted as rejected. Byte offsets are absolute from `startOffset`, so a follower can resume at
 * `resumeOffset` and the consumer can deduplicate events by offset.
 */
export interface LogParserOptions {
  /** Longest record (bytes, without its newline) read; longer ones are rejected. Default 256 KB. */
  maxRecordBytes?: number;
  /** Error details kept; all rejections are still counted. Default 100. */
  maxErrors?: number;
  /** Open connections remembered by the joiner. Default 65,536. */
  maxOpenConnections?: number;
  /** Byte offset of the first byte written (a follower resuming mid-file). Default 0. */
  startOffset?: number;
}

export interface LogLineError {
  line: number;
  reason: string;
}

/** What an upload answers (`202 {accepted, rejected, errors}`) plus counts of what was read. */
export interface LogIngestResult {
  /** Records (log entries, continuation lines included in theirs) read well. */
  accepted: number;
  /** Records refused (line too long, prefix or csv/json that does not parse). */
  rejected: number;
  errors: LogLineError[];
  /** Login events emitted. */
  events: number;
  /** Physical lines read. */
  lines: number;
}

export const MAX_RECORD_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);
const CARRY_START = 1024;

const scratches = new Map<number, Buffer>();
/**
 * A scratch buffer of `bytes` shared by every parser of the process: a record is parsed and
 * handed to the joiner in one synchronous call, and nothing keeps its ranges after it, so one
 * buffer serves all the logs a process reads (not 256 KB per followed server).
 */
export function sharedScratch(bytes: number): Buffer {
  let b = scratches.get(bytes);
  if (!b) scratches.set(bytes, (b = Buffer.allocUnsafe(bytes)));
  return b;
}
const MAX_ERRORS = 100;

export abstract class LogParser {
  readonly joiner: LoginJoiner;
  protected readonly rec = new LogRecord();
  protected readonly maxRecordBytes: number;
  private readonly maxErrors: number;

  /** A record split across chunks; grown on need up to maxRecordBytes + 1 (most logs never need much). */
  private carry: Buffer = EMPTY;
  private carryLen = 0;
  /** Bytes of the record in progress seen so far (may exceed what `carry` holds). */
  private pendingBytes = 0;
  /** Absolute offset of the current chunk's first byte, and of the record in progress. */
  private base: number;
  private recordOffset: number;
  /** Absolute offset just past the last complete record. */
  private done: number;

  private lineNo = 0;
  private recordLine = 1;
  private accepted = 0;
  private rejected = 0;
  private readonly errors: LogLineError[] = [];
  /** Receive time of the current chunk, the time of records whose format gives none. */
  protected now = Date.now();

  constructor(serverId: string, sink: IngestSink, options: LogParserOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
    this.maxErrors = options.maxErrors ?? MAX_ERRORS;
    this.joiner = new LoginJoiner(serverId, sink, options.maxOpenConnections);
    this.base = this.recordOffset = this.done = options.startOffset ?? 0;
  }

  /** Offset just past the last complete record read. */
  get consumed(): number {
    return this.done;
  }

  /** Where a restart must read from so that nothing is lost: before any event still held back. */
  get resumeOffset(): number {
    const held = this.joiner.heldOffset;
    return held >= 0 && held < this.done ? held : this.done;
  }

  /** Parses every complete record of the chunk; a trailing partial record waits for more. */
  write(chunk: Buffer): void {
    this.now = Date.now();
    const n = chunk.length;
    let p = 0;
    if (this.pendingBytes > 0) {
      const end = this.scan(chunk, 0, n);
      const upto = end < 0 ? n : end;
      this.append(chunk, 0, upto);
      if (end < 0) {
        this.base += n;
        return;
      }
      this.finishCarry(end + 1);
      p = end + 1;
    }
    while (p < n) {
      const end = this.scan(chunk, p, n);
      if (end < 0) {
        this.append(chunk, p, n);
        break;
      }
      this.record(chunk, p, end);
      p = end + 1;
      this.done = this.recordOffset = this.base + p;
    }
    this.base += n;
  }

  /** Reads a trailing record without newline, emits what is held back, and answers the totals. */
  end(): LogIngestResult {
    if (this.pendingBytes > 0) this.finishCarry(0);
    this.joiner.flush();
    return this.result();
  }

  result(): LogIngestResult {
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      errors: this.errors,
      events: this.joiner.stats.events,
      lines: this.lineNo,
    };
  }

  /**
   * Index of the newline that ends the record whose bytes continue at b[s..e), or -1 when the
   * record goes on past e. A format with state across lines (csvlog quotes) keeps it until the end.
   */
  protected scan(b: Buffer, s: number, e: number): number {
    const i = b.indexOf(10, s);
    return i >= 0 && i < e ? i : -1;
  }

  /** Newlines inside the last record (csvlog), for line numbers. */
  protected innerLines(): number {
    return 0;
  }

  /** One record b[s..e) without its newline; returns a rejection reason, or '' when read well. */
  protected abstract parseRecord(b: Buffer, s: number, e: number, offset: number): string;

  /** Whether the record just read counts (stderr continuation lines belong to the one before). */
  protected counts = true;

  private record(b: Buffer, s: number, e: number): void {
    const line = this.recordLine;
    this.lineNo += 1 + this.innerLines();
    this.recordLine = this.lineNo + 1;
    if (e > s && b[e - 1] === 13) e--;
    if (e - s > this.maxRecordBytes) return this.reject(line, 'line-too-long');
    this.counts = true;
    const reason = this.parseRecord(b, s, e, this.recordOffset);
    if (reason) this.reject(line, reason);
    else if (this.counts) this.accepted++;
  }

  protected reject(line: number, reason: string): void {
    this.rejected++;
    if (this.errors.length < this.maxErrors) this.errors.push({ line, reason });
  }

  private append(b: Buffer, s: number, e: number): void {
    const want = Math.min(this.carryLen + (e - s), this.maxRecordBytes + 1);
    if (want > this.carry.length) this.growCarry(want);
    const room = this.carry.length - this.carryLen;
    const n = Math.min(room, e - s);
    if (n > 0) b.copy(this.carry, this.carryLen, s, s + n);
    this.carryLen += n;
    this.pendingBytes += e - s;
  }

  private growCarry(want: number): void {
    let size = Math.max(CARRY_START, this.carry.length * 2);
    while (size < want) size *= 2;
    const next = Buffer.allocUnsafe(Math.min(size, this.maxRecordBytes + 1));
    this.carry.copy(next, 0, 0, this.carryLen);
    this.carry = next;
  }

  /** The carried record is complete; `next` is where the rest of the chunk starts. */
  private finishCarry(next: number): void {
    const len = this.pendingBytes;
    this.pendingBytes = 0;
    const held = this.carryLen;
    this.carryLen = 0;
    if (len > this.maxRecordBytes) {
      this.lineNo += 1 + this.innerLines();
      this.reject(this.recordLine, 'line-too-long');
      this.recordLine = this.lineNo + 1;
    } else {
      this.record(this.carry, 0, held);
    }
    this.done = this.recordOffset = this.base + next;
  }
}
