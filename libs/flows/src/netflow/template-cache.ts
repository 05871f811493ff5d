import type { DecodeStats } from '../decode-stats';
import { DomainState } from './domain-state';
import { ExporterState } from './exporter-state';
import type { PendingDataSet } from './pending-data-set';
import { SequenceTracker, SequenceUnit } from './sequence-tracker';
import type { TemplatePlan } from './template-plan';

export interface TemplateCacheLimits {
  /** Exporter addresses tracked at once; beyond it idle ones are evicted, else datagrams rejected. */
  maxExporters: number;
  /** Source ids / observation domains per exporter. */
  maxDomainsPerExporter: number;
  maxTemplatesPerExporter: number;
  maxTemplates: number;
  /** Bytes of data held while waiting for templates, over all exporters. */
  maxPendingBytes: number;
  /** How long held data waits for its template before it is counted as expired. */
  pendingTtlMs: number;
  /** An exporter silent this long may be evicted when the exporter bound is reached. */
  exporterIdleMs: number;
}

export const DEFAULT_TEMPLATE_CACHE_LIMITS: TemplateCacheLimits = {
  maxExporters: 4096,
  maxDomainsPerExporter: 64,
  maxTemplatesPerExporter: 256,
  maxTemplates: 8192,
  maxPendingBytes: 4 * 1024 * 1024,
  pendingTtlMs: 60_000,
  exporterIdleMs: 3_600_000,
};

const DOMAIN_KEY_SCALE = 4294967296;

/**
 * Templates per (exporter, observation domain / source id, template id), with the bounds that keep
 * a misbehaving or hostile exporter from growing memory, and the queue of data that arrived before
 * its template. Rejections are counted in the shared DecodeStats:
 * `exporter-limit`, `domain-limit`, `template-limit` (per datagram or template refused),
 * `pending-overflow` and `template-missing-expired` (per data set).
 */
export class TemplateCache {
  readonly limits: TemplateCacheLimits;
  templateCount = 0;
  pendingBytes = 0;
  pendingSets = 0;

  private readonly byAddress = new Map<string, ExporterState>();
  private readonly pendingDomains = new Set<DomainState>();
  private last: ExporterState | undefined;
  private lastEvictMs = -Infinity;

  constructor(
    private readonly stats: DecodeStats,
    limits: Partial<TemplateCacheLimits> = {},
  ) {
    this.limits = { ...DEFAULT_TEMPLATE_CACHE_LIMITS, ...limits };
  }

  /** The state of an exporter address, created on first sight; undefined when over the bound. */
  exporter(address: string, nowMs: number): ExporterState | undefined {
    let e = this.last !== undefined && this.last.address === address ? this.last : this.byAddress.get(address);
    if (e === undefined) {
      // At most one eviction scan a second, so datagrams from many new addresses stay cheap.
      if (this.byAddress.size >= this.limits.maxExporters && nowMs - this.lastEvictMs >= 1000) {
        this.lastEvictMs = nowMs;
        this.evictIdle(nowMs);
      }
      if (this.byAddress.size >= this.limits.maxExporters) {
        this.stats.reject('exporter-limit');
        return undefined;
      }
      e = new ExporterState(address);
      this.byAddress.set(address, e);
    }
    e.lastSeenMs = nowMs;
    this.last = e;
    return e;
  }

  /** One stream of an exporter, created on first sight; undefined when over the bound. */
  domain(exporter: ExporterState, version: number, id: number): DomainState | undefined {
    const key = version * DOMAIN_KEY_SCALE + id;
    let d = exporter.domains.get(key);
    if (d === undefined) {
      if (exporter.domains.size >= this.limits.maxDomainsPerExporter) {
        this.stats.reject('domain-limit');
        return undefined;
      }
      d = new DomainState(exporter, version, id, newTracker(version));
      exporter.domains.set(key, d);
    }
    return d;
  }

  exporters(): IterableIterator<ExporterState> {
    return this.byAddress.values();
  }

  get exporterCount(): number {
    return this.byAddress.size;
  }

  /** Adds or replaces a template; false (counted as `template-limit`) when a bound refuses it. */
  put(domain: DomainState, plan: TemplatePlan, nowMs: number): boolean {
    const exporter = domain.exporter;
    if (!domain.templates.has(plan.id)) {
      if (
        exporter.templateCount >= this.limits.maxTemplatesPerExporter ||
        this.templateCount >= this.limits.maxTemplates
      ) {
        this.stats.reject('template-limit');
        return false;
      }
      exporter.templateCount++;
      this.templateCount++;
    }
    plan.refreshedMs = nowMs;
    domain.templates.set(plan.id, plan);
    return true;
  }

  withdraw(domain: DomainState, templateId: number): boolean {
    if (!domain.templates.delete(templateId)) return false;
    domain.exporter.templateCount--;
    this.templateCount--;
    return true;
  }

  /** IPFIX "withdraw all": every data template, or every options template, of the domain. */
  withdrawAll(domain: DomainState, options: boolean): number {
    let n = 0;
    for (const [id, plan] of domain.templates) {
      if (plan.options === options) {
        this.withdraw(domain, id);
        n++;
      }
    }
    return n;
  }

  /**
   * Keeps a copy of a data set whose template is not known yet. False (counted as
   * `pending-overflow`) when the byte bound is reached.
   */
  hold(
    domain: DomainState,
    templateId: number,
    buf: Uint8Array,
    start: number,
    end: number,
    exportMs: number,
    sysUptime: number,
    nowMs: number,
  ): boolean {
    const n = end - start;
    if (this.pendingBytes + n > this.limits.maxPendingBytes) {
      this.stats.reject('pending-overflow');
      return false;
    }
    const data = Buffer.allocUnsafe(n);
    data.set(buf.subarray(start, end));
    domain.pending.push({ domain, templateId, data, exportMs, sysUptime, arrivedMs: nowMs });
    domain.pendingBytes += n;
    this.pendingBytes += n;
    this.pendingSets++;
    this.pendingDomains.add(domain);
    return true;
  }

  /** Removes and returns, oldest first, the held data sets a template that just arrived decodes. */
  takePending(domain: DomainState, templateId: number, nowMs: number): PendingDataSet[] | undefined {
    if (domain.pending.length === 0) return undefined;
    this.expireDomain(domain, nowMs);
    let taken: PendingDataSet[] | undefined;
    const keep: PendingDataSet[] = [];
    for (const p of domain.pending) {
      if (p.templateId === templateId) (taken ??= []).push(p);
      else keep.push(p);
    }
    if (taken === undefined) return undefined;
    for (const p of taken) this.release(domain, p);
    domain.pending.length = 0;
    domain.pending.push(...keep);
    if (keep.length === 0) this.pendingDomains.delete(domain);
    return taken;
  }

  /** Counts and drops held data older than the time bound. */
  expire(nowMs: number): void {
    for (const d of this.pendingDomains) this.expireDomain(d, nowMs);
  }

  private expireDomain(domain: DomainState, nowMs: number): void {
    const cutoff = nowMs - this.limits.pendingTtlMs;
    let k = 0;
    // Held data is appended in arrival order, so the expired entries are a prefix.
    while (k < domain.pending.length && domain.pending[k].arrivedMs <= cutoff) {
      this.release(domain, domain.pending[k]);
      this.stats.reject('template-missing-expired');
      k++;
    }
    if (k > 0) domain.pending.splice(0, k);
    if (domain.pending.length === 0) this.pendingDomains.delete(domain);
  }

  private release(domain: DomainState, p: PendingDataSet): void {
    domain.pendingBytes -= p.data.length;
    this.pendingBytes -= p.data.length;
    this.pendingSets--;
  }

  private evictIdle(nowMs: number): void {
    const cutoff = nowMs - this.limits.exporterIdleMs;
    for (const [address, e] of this.byAddress) {
      if (e.lastSeenMs > cutoff) continue;
      for (const d of e.domains.values()) {
        for (const p of d.pending) {
          this.release(d, p);
          this.stats.reject('template-missing-expired');
        }
        d.pending.length = 0;
        this.pendingDomains.delete(d);
      }
      this.templateCount -= e.templateCount;
      this.byAddress.delete(address);
      if (this.last === e) this.last = undefined;
    }
  }
}

function newTracker(version: number): SequenceTracker {
  const bit = (u: SequenceUnit): number => 1 << u;
  switch (version) {
    case 9:
      return new SequenceTracker(
        bit(SequenceUnit.DATAGRAMS) | bit(SequenceUnit.RECORDS) | bit(SequenceUnit.RECORDS_INCLUSIVE),
        SequenceUnit.DATAGRAMS,
      );
    case 10:
      return new SequenceTracker(bit(SequenceUnit.RECORDS) | bit(SequenceUnit.RECORDS_INCLUSIVE), SequenceUnit.RECORDS);
    default:
      return new SequenceTracker(bit(SequenceUnit.RECORDS), SequenceUnit.RECORDS);
  }
}
