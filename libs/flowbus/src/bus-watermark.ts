/**
 * A collector whose last message was published this much earlier (stream time) than the message
 * at hand holds no other back: it had nothing more to say (its uploads ended, or none of its
 * records are for this detector's partitions).
 */
export const ORIGIN_STALE_MS = 2_000;

/** The smaller of two watermarks where 0 means "no bound". */
const minBound = (a: number, b: number): number => (a > 0 && (b <= 0 || a < b) ? a : b > 0 ? b : 0);

/**
 * The watermark of each batch a detector hands to detection (FlowBatch.watermarkMs): the lowest
 * of the publishing collectors' uploads' watermarks. A message carries its collector's uploads'
 * watermark (flow-codec.ts); the clock of the message's partition goes no further than the lowest
 * of the collectors that spoke within ORIGIN_STALE_MS (stream time) of the message at hand, so one
 * collector's fast upload closes no window of another's slow one, as in one process
 * (UploadStreams.watermark).
 *
 * Partitions need no bound of their own: detection keeps a clock per bus partition
 * (DetectionEngine.partClocks), so a partition read ahead of another (after a restart, or live
 * when its messages fill sooner) moves no other partition's windows.
 *
 * Per message: a map lookup and a pass over the collectors, no allocation once each is known.
 */
export class BusWatermark {
  /** Per publishing collector: its last watermark and that message's publish time (ms). */
  private readonly origins = new Map<number, { wm: number; at: number }>();
  /** Publish time of the newest message seen (ms). */
  private latestAt = 0;

  constructor(private readonly staleMs = ORIGIN_STALE_MS) {}

  /**
   * A message goes to detection; its collector `origin` (0: unknown, a version-1 message) said
   * `wm` (0: nothing) when publishing it at `at` (ms). Answers the batch's watermark (0: no bound).
   */
  message(origin: number, wm: number, at: number): number {
    if (origin !== 0) {
      const o = this.origins.get(origin);
      if (!o) this.origins.set(origin, { wm, at });
      else if (at >= o.at) {
        o.wm = wm;
        o.at = at;
      }
    } else if (wm > 0) return wm;
    if (at > this.latestAt) this.latestAt = at;
    return this.lowest(at);
  }

  /**
   * The bound now, for a partition with nothing to deliver (DetectionEngine.partitionIdle): the
   * lowest of the collectors that spoke within ORIGIN_STALE_MS of the newest message seen.
   */
  bound(): number {
    return this.lowest(this.latestAt);
  }

  private lowest(at: number): number {
    let min = 0;
    for (const [id, c] of this.origins) {
      if (c.at < at - this.staleMs) {
        // Long quiet (a collector gone): forgotten once far behind every message at hand.
        if (c.at < at - 100 * this.staleMs) this.origins.delete(id);
        continue;
      }
      min = minBound(min, c.wm);
    }
    return min;
  }
}
