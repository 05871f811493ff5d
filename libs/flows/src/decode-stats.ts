/**
 * Counters a decoder or parser keeps while it works. Plain numbers, so the hot path pays one
 * increment; the collector copies them into Prometheus counters on scrape.
 * Rejections are counted per reason; reasons are short kebab-case strings such as
 * 'truncated', 'bad-version', 'bad-length', 'template-missing-expired'.
 */
export class DecodeStats {
  datagrams = 0;
  records = 0;
  readonly rejected = new Map<string, number>();

  reject(reason: string, n = 1): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + n);
  }

  rejectedTotal(): number {
    let t = 0;
    for (const v of this.rejected.values()) t += v;
    return t;
  }
}
