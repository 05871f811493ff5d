import { FlowBatch, FlowSource } from '@sg/flows';

/**
 * Flow records kept in arrival order, copied out of the reusable batches a collector or parser
 * hands on, so that one export can be replayed into several engines (one run per declared VM).
 */
export class RecordStore {
  private readonly chunks: FlowBatch[] = [];
  source: FlowSource = FlowSource.IPFIX;
  exporter = 'test';
  count = 0;

  /** A consumer for FlowBatch onFull / parsers: copies the batch. */
  readonly add = (b: FlowBatch): void => {
    if (b.length === 0) return;
    const c = new FlowBatch(b.length);
    for (let i = 0; i < b.length; i++) c.copyFrom(b, i);
    this.source = b.source;
    this.exporter = b.exporter;
    this.chunks.push(c);
    this.count += b.length;
  };

  /** Replays every record in arrival order through batches of `batchSize`. */
  replay(consume: (b: FlowBatch) => void, batchSize = 4096): void {
    const out = new FlowBatch(batchSize, consume);
    out.source = this.source;
    out.exporter = this.exporter;
    for (const c of this.chunks) for (let i = 0; i < c.length; i++) out.copyFrom(c, i);
    out.flush();
  }

  /**
   * Puts the records in flow-end order, the order in which an exporter sends them (for logs
   * written in start order or unsorted, such as Zeek conn.log and Argus files).
   */
  sortByEnd(): this {
    const all = new FlowBatch(Math.max(1, this.count));
    for (const c of this.chunks) for (let i = 0; i < c.length; i++) all.copyFrom(c, i);
    const order = Array.from({ length: all.length }, (_, i) => i);
    order.sort((a, b) => all.endMs[a] - all.endMs[b] || a - b);
    const sorted = new FlowBatch(Math.max(1, this.count));
    for (const i of order) sorted.copyFrom(all, i);
    this.chunks.length = 0;
    if (sorted.length > 0) this.chunks.push(sorted);
    return this;
  }

  /** Earliest start and latest end (ms) of the records. */
  timeRange(): { startMs: number; endMs: number } {
    let s = Infinity;
    let e = -Infinity;
    for (const c of this.chunks)
      for (let i = 0; i < c.length; i++) {
        if (c.startMs[i] > 0 && c.startMs[i] < s) s = c.startMs[i];
        if (c.endMs[i] > e) e = c.endMs[i];
      }
    return { startMs: s, endMs: e };
  }
}
