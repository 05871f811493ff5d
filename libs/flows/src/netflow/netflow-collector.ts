import { DecodeStats } from '../decode-stats';
import type { FlowBatch } from '../flow-batch';
import { IpfixDecoder } from './ipfix.decoder';
import { NetflowV5Decoder } from './netflow-v5.decoder';
import { NetflowV9Decoder } from './netflow-v9.decoder';
import { SEQUENCE_UNIT_NAMES } from './sequence-tracker';
import { TemplateCache, type TemplateCacheLimits } from './template-cache';

export interface NetflowCollectorOptions extends Partial<TemplateCacheLimits> {
  /** Counters to share with the UDP listener; a new one by default. */
  stats?: DecodeStats;
  /** Clock for held-data expiry; tests replace it. */
  now?: () => number;
}

/** Per exporter address: what came in and what the sequence numbers say went missing. */
export interface ExporterCounters {
  exporter: string;
  datagrams: number;
  /** Flow records decoded. */
  received: number;
  /** Flow records estimated lost between the exporter and us. */
  lost: number;
  /** Resynchronisations (exporter restarts, unexplainable jumps). */
  resets: number;
}

/** The same per stream (v5 engine, v9 source id, IPFIX observation domain). */
export interface StreamCounters extends ExporterCounters {
  version: number;
  domain: number;
  /** What the exporter's sequence numbers turned out to count. */
  sequenceUnit: (typeof SEQUENCE_UNIT_NAMES)[number];
}

/** Held data is checked for expiry at most this often on the datagram path. */
const EXPIRE_EVERY_MS = 1_000;

/**
 * Routes NetFlow v5, v9 and IPFIX datagrams to their decoders by version, sharing one template
 * cache, one set of counters and one output batch. The batch is flushed whenever the exporter or
 * format changes, so a batch never mixes them. Rejections counted here: `truncated` (no version),
 * `bad-version`, `empty` (a well-formed datagram that carried nothing); the decoders and the
 * template cache count the rest.
 */
export class NetflowCollector {
  readonly stats: DecodeStats;
  readonly templates: TemplateCache;

  private readonly v5: NetflowV5Decoder;
  private readonly v9: NetflowV9Decoder;
  private readonly ipfix: IpfixDecoder;
  private readonly now: () => number;
  private lastExpireMs = 0;

  constructor(
    readonly batch: FlowBatch,
    options: NetflowCollectorOptions = {},
  ) {
    const { stats, now, ...limits } = options;
    this.stats = stats ?? new DecodeStats();
    this.now = now ?? Date.now;
    this.templates = new TemplateCache(this.stats, limits);
    this.v5 = new NetflowV5Decoder(this.templates, this.stats);
    this.v9 = new NetflowV9Decoder(this.templates, this.stats);
    this.ipfix = new IpfixDecoder(this.templates, this.stats);
  }

  /**
   * Decodes one datagram from `exporter` (its source address) into the batch. Never throws on bad
   * input. Returns how many records, templates and held data sets it carried, or -1 when it was
   * rejected (the reason is counted in `stats`).
   */
  handle(buf: Uint8Array, exporter: string): number {
    const nowMs = this.now();
    this.stats.datagrams++;
    if (this.templates.pendingSets > 0 && nowMs - this.lastExpireMs >= EXPIRE_EVERY_MS) this.expire(nowMs);
    if (buf.length < 2) {
      this.stats.reject('truncated');
      return -1;
    }
    const version = (buf[0] << 8) | buf[1];
    if (version !== 5 && version !== 9 && version !== 10) {
      this.stats.reject('bad-version');
      return -1;
    }
    const e = this.templates.exporter(exporter, nowMs);
    if (e === undefined) return -1;
    const result =
      version === 5
        ? this.v5.decode(buf, e, this.batch)
        : version === 9
          ? this.v9.decode(buf, e, this.batch, nowMs)
          : this.ipfix.decode(buf, e, this.batch, nowMs);
    if (result !== 0) return result;
    this.stats.reject('empty');
    return -1;
  }

  /** Hands the records decoded so far to the batch consumer. */
  flush(): void {
    this.batch.flush();
  }

  /** Periodic work: counts held data that waited too long, then flushes. */
  tick(): void {
    this.expire(this.now());
    this.flush();
  }

  exporterCounters(): ExporterCounters[] {
    const out: ExporterCounters[] = [];
    for (const e of this.templates.exporters()) {
      const c: ExporterCounters = { exporter: e.address, datagrams: 0, received: 0, lost: 0, resets: 0 };
      for (const d of e.domains.values()) {
        c.datagrams += d.sequence.datagrams;
        c.received += d.sequence.received;
        c.lost += d.sequence.lost;
        c.resets += d.sequence.resets;
      }
      out.push(c);
    }
    return out;
  }

  streamCounters(): StreamCounters[] {
    const out: StreamCounters[] = [];
    for (const e of this.templates.exporters()) {
      for (const d of e.domains.values()) {
        const s = d.sequence;
        out.push({
          exporter: e.address,
          version: d.version,
          domain: d.id,
          datagrams: s.datagrams,
          received: s.received,
          lost: s.lost,
          resets: s.resets,
          sequenceUnit: SEQUENCE_UNIT_NAMES[s.unit],
        });
      }
    }
    return out;
  }

  private expire(nowMs: number): void {
    this.lastExpireMs = nowMs;
    this.templates.expire(nowMs);
  }
}
