/**
 * One cached value, refreshed stale-while-revalidate: a read inside `freshMs` is served as is; a
 * later read is served the cached value at once while one refresh runs in the background; only the
 * very first read waits. A failed refresh keeps the old value (and is retried on the next read).
 */
export class StaleWhileRevalidate<T> {
  private value: { v: T; at: number } | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly freshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<{ value: T; computedAt: Date; stale: boolean }> {
    if (!this.value) await this.refresh();
    const cur = this.value!;
    const stale = this.now() - cur.at > this.freshMs;
    if (stale && !this.refreshing) void this.refresh().catch(() => undefined);
    return { value: cur.v, computedAt: new Date(cur.at), stale };
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.load()
      .then((v) => {
        this.value = { v, at: this.now() };
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }
}
