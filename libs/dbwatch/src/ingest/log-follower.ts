import { createHash } from 'node:crypto';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LoginEvent } from '../events/login-event';
import type { DbLogFormat } from '../servers/db-server.entity';
import { createLogParser } from './create-log-parser';
import { EventBatch } from './event-batch';
import type { LogParser, LogParserOptions } from './log-parser';
import type { LogPosition, LogPositionStore } from './log-position.store';
import type { OpenConnection } from './login-joiner';
import { ReadBuffers, SHARED_READ_BUFFERS } from './read-buffers';

/**
 * Follows one server's PostgreSQL log: a file (rotated by rename-and-create or by copytruncate)
 * or a directory the logging collector writes new files into. Events go to `deliver` in batches;
 * after each hand-over the position (file identity, offset of the last complete event, the
 * connections mid-authentication) is saved, so a restart — also after kill -9 — goes on exactly
 * there: nothing is lost, and what was handed over but not yet saved comes again with the same
 * (source, offset), which the consumer deduplicates.
 *
 * - rename: the old file (still open) is read until it stays quiet for one poll, then the new
 *   file from its start; across a restart the old file is found again by its inode.
 * - copytruncate: the file shrinks (or its first line changes); the rest of what was read is
 *   taken from the copy (the sibling whose first line is the old one), then the file from 0.
 *   Lines written between the copy and the truncation are lost: copytruncate's own gap.
 * - directory: files of the format's extension in (mtime, name) order; the next one is started
 *   when the current one is quiet and a newer one exists.
 * A connection whose lines straddle two files is still joined: the open connections carry over.
 */
export interface FollowTarget {
  serverId: string;
  /** The log file, or a directory of log files. */
  path: string;
  format: DbLogFormat;
  linePrefix: string | null;
}

export type Deliver = (
  serverId: string,
  source: string,
  events: readonly LoginEvent[],
  offsets: readonly number[],
) => Promise<void>;

export interface FollowerOptions {
  pollMs?: number;
  /** Bytes per read: a private buffer of this size (tests); default: the process's shared pool. */
  chunkBytes?: number;
  /** The read buffers to borrow from; default SHARED_READ_BUFFERS (or a private one of chunkBytes). */
  buffers?: ReadBuffers;
  batch?: number;
  parser?: LogParserOptions;
  /** Records read and refused since the last call (for metrics). */
  onRecords?: (accepted: number, rejected: number) => void;
  /** A failed round (database down, file unreadable); the next round tries again. */
  onError?: (err: Error) => void;
}

export interface FollowerStats {
  bytes: number;
  events: number;
  files: number;
  rotations: number;
  truncations: number;
  /** Followed files that vanished before they were read to the end. */
  lostFiles: number;
  rejected: number;
}

interface Current {
  path: string;
  fh: FileHandle;
  dev: string;
  ino: string;
  fingerprint: string;
  parser: LogParser;
  batch: EventBatch;
  readPos: number;
  source: string;
  /** Saved position is behind what was handed over. */
  dirty: boolean;
  /** Records of this file already counted in stats. */
  accepted: number;
  rejected: number;
}

const EXT: Record<DbLogFormat, string> = { stderr: '.log', csvlog: '.csv', jsonlog: '.json' };

export class LogFollower {
  readonly stats: FollowerStats = {
    bytes: 0,
    events: 0,
    files: 0,
    rotations: 0,
    truncations: 0,
    lostFiles: 0,
    rejected: 0,
  };
  private cur: Current | null = null;
  private isDir = false;
  private started = false;
  private quietPolls = 0;
  private readonly buffers: ReadBuffers;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly target: FollowTarget,
    private readonly store: LogPositionStore,
    private readonly deliver: Deliver,
    private readonly opts: FollowerOptions = {},
  ) {
    this.buffers = opts.buffers ?? (opts.chunkBytes ? new ReadBuffers(1, opts.chunkBytes) : SHARED_READ_BUFFERS);
  }

  /** Polls until stop(). */
  start(): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      this.running = this.poll().then(
        () => undefined,
        (err: Error) => this.opts.onError?.(err),
      );
      await this.running;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.opts.pollMs ?? 250);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.cur?.fh.close().catch(() => undefined);
    this.cur = null;
  }

  /** One round: read what is new, hand it over, save the position, notice rotation. Bytes read. */
  async poll(): Promise<number> {
    if (!this.started) {
      if (!(await this.resume())) return 0;
      this.started = true;
    }
    const cur = this.cur;
    if (!cur) {
      await this.openNext(null);
      return 0;
    }
    // Events a failed hand-over left behind go first: nothing more is read while the consumer is down.
    if (cur.batch.events.length > 0) await this.checkpoint(cur);
    const n = await this.readToEof(cur);
    if (n > 0) {
      this.quietPolls = 0;
      await this.checkpoint(cur);
      return n;
    }
    this.quietPolls++;
    if (this.quietPolls >= 2 && cur.parser.joiner.heldOffset >= 0) {
      // A failure still waiting for a DETAIL that did not come with it.
      cur.parser.joiner.flush();
      cur.dirty = true;
    }
    if (!(await this.handleRotation(cur))) await this.checkpoint(cur);
    return 0;
  }

  // ---------------------------------------------------------------- start-up

  /** Opens where the saved position says (finishing a rotated file first); false if nothing to read yet. */
  private async resume(): Promise<boolean> {
    const st = await stat(this.target.path).catch(() => null);
    if (!st) return false;
    this.isDir = st.isDirectory();
    const pos = await this.store.load(this.target.serverId, this.target.path);
    if (!pos) return this.openNext(null);
    const files = await this.candidates();
    for (const f of files) {
      if (f.dev !== pos.dev || f.ino !== pos.ino) continue;
      const fp = await fingerprintOf(f.path);
      if (fp === pos.fingerprint && f.size >= pos.offset) {
        return this.openAt(f.path, pos.offset, pos.open, pos.fingerprint);
      }
      // Same inode, other content: truncated (copytruncate) while we were down.
      this.stats.truncations++;
      const copy = await this.findCopy(pos.fingerprint, pos.dev, pos.ino);
      if (copy && (await this.openAt(copy, pos.offset, pos.open, pos.fingerprint))) {
        await this.finishCurrent();
      }
      return this.openAt(f.path, 0, this.carried(pos.open), null);
    }
    // Neither the file nor a renamed sibling has that inode any more: it is gone.
    this.stats.lostFiles++;
    return this.openNext(pos.open);
  }

  private carried(open: OpenConnection[]): OpenConnection[] {
    return this.cur ? this.cur.parser.joiner.openConnections() : open;
  }

  // ---------------------------------------------------------------- reading

  private async readToEof(cur: Current): Promise<number> {
    let total = 0;
    for (;;) {
      // The buffer is shared: it goes back as soon as the parser has taken what it needs.
      const buf = await this.buffers.borrow();
      let bytesRead: number;
      try {
        ({ bytesRead } = await cur.fh.read(buf, 0, buf.length, cur.readPos));
        if (bytesRead > 0) cur.parser.write(buf.subarray(0, bytesRead));
      } finally {
        this.buffers.give(buf);
      }
      if (bytesRead === 0) break;
      cur.readPos += bytesRead;
      total += bytesRead;
      this.stats.bytes += bytesRead;
      if (cur.batch.full) await this.checkpoint(cur);
    }
    return total;
  }

  /** Hands over what was collected, then saves the position behind it. */
  private async checkpoint(cur: Current): Promise<void> {
    const r = cur.parser.result();
    if (r.accepted !== cur.accepted || r.rejected !== cur.rejected) {
      this.stats.rejected += r.rejected - cur.rejected;
      this.opts.onRecords?.(r.accepted - cur.accepted, r.rejected - cur.rejected);
      cur.accepted = r.accepted;
      cur.rejected = r.rejected;
    }
    // Taken from the batch only once delivered: a failed hand-over is tried again next round.
    const { events, offsets } = cur.batch;
    if (events.length > 0) {
      await this.deliver(this.target.serverId, cur.source, events, offsets);
      cur.batch.take();
      this.stats.events += events.length;
      cur.dirty = true;
    }
    const offset = cur.parser.resumeOffset;
    if (!cur.dirty) return;
    const pos: LogPosition = {
      filePath: cur.path,
      dev: cur.dev,
      ino: cur.ino,
      fingerprint: cur.fingerprint,
      offset,
      open: cur.parser.joiner.openConnections(),
    };
    await this.store.save(this.target.serverId, this.target.path, pos);
    cur.dirty = false;
  }

  /** Reads the current file to its end for good (a rotated file): its last line needs no newline. */
  private async finishCurrent(): Promise<void> {
    const cur = this.cur;
    if (!cur) return;
    await this.readToEof(cur);
    cur.parser.end();
    cur.dirty = true;
    await this.checkpoint(cur);
    await cur.fh.close().catch(() => undefined);
  }

  // ---------------------------------------------------------------- rotation

  /** After a quiet poll: switches files if the current one was rotated. True when it switched. */
  private async handleRotation(cur: Current): Promise<boolean> {
    if (this.isDir) {
      const files = await this.candidates();
      const i = files.findIndex((f) => f.dev === cur.dev && f.ino === cur.ino);
      const next = i >= 0 ? files[i + 1] : files[0];
      if (!next || (next.dev === cur.dev && next.ino === cur.ino)) return false;
      return this.switchTo(cur, next.path);
    }
    const st = await stat(this.target.path).catch(() => null);
    if (!st) return false; // renamed, not yet recreated: keep reading the old one
    if (String(st.dev) !== cur.dev || String(st.ino) !== cur.ino) return this.switchTo(cur, this.target.path);
    const size = (await cur.fh.stat()).size;
    const fp = await fingerprintOf(cur.path);
    if (size >= cur.readPos && fp === cur.fingerprint) return false;
    // copytruncate: finish the old content from the copy, then read the file again from 0.
    this.stats.truncations++;
    const copy = await this.findCopy(cur.fingerprint, cur.dev, cur.ino);
    if (copy) {
      const fh = await open_(copy);
      if (fh) {
        const keep = cur.fh;
        cur.fh = fh;
        await this.finishCurrent();
        cur.fh = keep;
      }
    } else {
      cur.parser.end();
      await this.checkpoint(cur);
    }
    const conns = cur.parser.joiner.openConnections();
    const fh = cur.fh;
    this.cur = null;
    return this.openWith(cur.path, fh, 0, conns, null);
  }

  /**
   * Finishes the current file and goes on with the next one, but only once the next one can be
   * opened and has a complete first line: the logging collector creates the new file at rotation
   * and writes into it a moment later, and switching to it in between would leave `cur` on a
   * closed file (every later round failing) or lose the position.
   */
  private async switchTo(cur: Current, path: string): Promise<boolean> {
    const fh = await open_(path);
    if (!fh) return false;
    const fp = await fingerprintOf(path);
    if (!fp) {
      await fh.close();
      return false;
    }
    this.stats.rotations++;
    const conns = cur.parser.joiner.openConnections();
    await this.finishCurrent();
    return this.openWith(path, fh, 0, conns, fp);
  }

  // ---------------------------------------------------------------- files

  private async openNext(open: OpenConnection[] | null): Promise<boolean> {
    if (this.isDir) {
      const files = await this.candidates();
      if (!files.length) return false;
      return this.openAt(files[0].path, 0, open ?? [], null);
    }
    return this.openAt(this.target.path, 0, open ?? [], null);
  }

  private async openAt(path: string, offset: number, open: OpenConnection[], fingerprint: string | null) {
    const fh = await open_(path);
    if (!fh) return false;
    return this.openWith(path, fh, offset, open, fingerprint);
  }

  private async openWith(
    path: string,
    fh: FileHandle,
    offset: number,
    open: OpenConnection[],
    fingerprint: string | null,
  ): Promise<boolean> {
    const st = await fh.stat();
    const fp = fingerprint ?? (await fingerprintOf(path));
    if (!fp) {
      // Not even one complete first line yet: come back later.
      await fh.close();
      return false;
    }
    const batch = new EventBatch(this.opts.batch ?? 1000);
    const parser = createLogParser(this.target.serverId, this.target.format, this.target.linePrefix, batch, {
      ...this.opts.parser,
      startOffset: offset,
    });
    parser.joiner.restore(open);
    const dev = String(st.dev);
    const ino = String(st.ino);
    this.cur = {
      path,
      fh,
      dev,
      ino,
      fingerprint: fp,
      parser,
      batch,
      readPos: offset,
      source: `${this.target.path}#${fp}`,
      dirty: true,
      accepted: 0,
      rejected: 0,
    };
    this.stats.files++;
    this.quietPolls = 0;
    return true;
  }

  /** Files that may hold this log: the directory's files of the format, or the file and its rotated siblings. */
  private async candidates(): Promise<{ path: string; dev: string; ino: string; size: number; mtimeMs: number }[]> {
    const dir = this.isDir ? this.target.path : dirname(this.target.path);
    const base = basename(this.target.path);
    const names = await readdir(dir).catch(() => [] as string[]);
    const out = [];
    for (const name of names) {
      if (this.isDir ? !name.endsWith(EXT[this.target.format]) : !name.startsWith(base)) continue;
      if (name.endsWith('.gz') || name.endsWith('.bz2') || name.endsWith('.xz') || name.endsWith('.zst')) continue;
      const path = join(dir, name);
      const st = await stat(path).catch(() => null);
      if (!st?.isFile()) continue;
      out.push({ path, dev: String(st.dev), ino: String(st.ino), size: st.size, mtimeMs: st.mtimeMs });
    }
    out.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  /** A copy of the file we read (copytruncate): another file whose first line is the same. */
  private async findCopy(fingerprint: string, dev: string, ino: string): Promise<string | null> {
    for (const f of await this.candidates()) {
      if (f.dev === dev && f.ino === ino) continue;
      if ((await fingerprintOf(f.path)) === fingerprint) return f.path;
    }
    return null;
  }
}

async function open_(path: string): Promise<FileHandle | null> {
  return open(path, 'r').catch(() => null);
}

/** Hash of the first line (at most 512 bytes); null while the file has no complete first line. */
export async function fingerprintOf(path: string): Promise<string | null> {
  const fh = await open_(path);
  if (!fh) return null;
  try {
    const b = Buffer.alloc(512);
    const { bytesRead } = await fh.read(b, 0, 512, 0);
    const nl = b.subarray(0, bytesRead).indexOf(10);
    if (nl < 0 && bytesRead < 512) return null;
    const end = nl < 0 ? 512 : nl + 1;
    return createHash('sha1').update(b.subarray(0, end)).digest('hex').slice(0, 16);
  } finally {
    await fh.close();
  }
}
