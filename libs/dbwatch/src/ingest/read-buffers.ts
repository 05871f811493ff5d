/**
 * Read buffers shared by every log follower of a process. A follower borrows one for one read
 * and the parsing of what it read, then gives it back, so a process that follows 10,000 logs
 * holds a few buffers instead of one per log (256 KB each). Reads beyond `count` at once wait:
 * libuv runs four file reads at a time anyway.
 */
export class ReadBuffers {
  private readonly free: Buffer[] = [];
  private readonly waiting: ((b: Buffer) => void)[] = [];
  private made = 0;

  constructor(
    readonly count: number,
    readonly bytes: number,
  ) {}

  /** Buffers allocated so far (they are made on first need). */
  get allocated(): number {
    return this.made;
  }

  borrow(): Promise<Buffer> {
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.made < this.count) {
      this.made++;
      return Promise.resolve(Buffer.allocUnsafe(this.bytes));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(b: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(b);
    else this.free.push(b);
  }
}

/** The process's pool: as many as libuv's default thread pool reads at once, 256 KB each. */
export const SHARED_READ_BUFFERS = new ReadBuffers(4, 256 * 1024);
