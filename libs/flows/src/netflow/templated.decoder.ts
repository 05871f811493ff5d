import type { DecodeStats } from '../decode-stats';
import type { FlowBatch, FlowSource } from '../flow-batch';
import { DataSetDecoder } from './data-set.decoder';
import type { DomainState } from './domain-state';
import type { ExporterState } from './exporter-state';
import type { TemplateCache } from './template-cache';
import { readU16 } from './read-unsigned';
import { compileTemplate } from './template-plan';

/** Data sets (v9 FlowSets) have ids from 256 up. */
export const MIN_DATA_SET = 256;

/**
 * What NetFlow v9 and IPFIX share: adding templates (and decoding the data that waited for them),
 * decoding or holding data sets, and the per-datagram bookkeeping for sequence numbers.
 */
export abstract class TemplatedDecoder {
  protected readonly data: DataSetDecoder;
  /** Per datagram: data records (options included) and flow records, for the sequence check. */
  protected dataRecords = 0;
  protected flowRecords = 0;
  /** Per datagram: something the record count cannot include (held data) or a rejection. */
  protected uncertain = false;
  protected rejected = false;
  /** Per datagram: records, templates, withdrawals and held sets; 0 means it carried nothing. */
  protected useful = 0;

  protected constructor(
    protected readonly cache: TemplateCache,
    protected readonly stats: DecodeStats,
    private readonly source: FlowSource,
    private readonly ipfix: boolean,
    /** Set ids: templates, options templates (v9 0/1, IPFIX 2/3); data sets are 256 and up. */
    private readonly templateSetId: number,
    private readonly optionsSetId: number,
  ) {
    this.data = new DataSetDecoder(stats);
  }

  /** Reads the template specifiers of a template set (buf[p, end) without the set header). */
  protected abstract templates(
    buf: Uint8Array,
    p: number,
    end: number,
    domain: DomainState,
    batch: FlowBatch,
    nowMs: number,
  ): void;

  protected abstract optionsTemplates(
    buf: Uint8Array,
    p: number,
    end: number,
    domain: DomainState,
    batch: FlowBatch,
    nowMs: number,
  ): void;

  /**
   * Walks the sets of buf[p, length): set lengths drive the walk (header counts are not trusted),
   * and a set that claims more than is left ends it.
   */
  protected sets(
    buf: Uint8Array,
    p: number,
    length: number,
    domain: DomainState,
    batch: FlowBatch,
    nowMs: number,
  ): void {
    while (length - p >= 4) {
      const id = readU16(buf, p);
      const setLength = readU16(buf, p + 2);
      if (setLength < 4 || setLength > length - p) {
        this.reject('bad-set-length');
        break;
      }
      const end = p + setLength;
      if (id === this.templateSetId) this.templates(buf, p + 4, end, domain, batch, nowMs);
      else if (id === this.optionsSetId) this.optionsTemplates(buf, p + 4, end, domain, batch, nowMs);
      else if (id >= MIN_DATA_SET) this.dataSet(domain, id, buf, p + 4, end, batch, nowMs);
      else this.reject('unknown-set');
      p = end;
    }
  }

  /** `exportSecs` rather than ms: a small integer passes without being boxed. */
  protected begin(batch: FlowBatch, exporter: ExporterState, exportSecs: number, sysUptime: number): void {
    if (batch.length > 0 && (batch.source !== this.source || batch.exporter !== exporter.address)) batch.flush();
    batch.source = this.source;
    batch.exporter = exporter.address;
    this.data.exportMs = exportSecs * 1000;
    this.data.sysUptime = sysUptime;
    this.dataRecords = 0;
    this.flowRecords = 0;
    this.uncertain = false;
    this.rejected = false;
    this.useful = 0;
  }

  /** Accounts the datagram's sequence number; returns the decode() result. */
  protected end(domain: DomainState, sequence: number): number {
    if (this.uncertain || this.rejected) domain.sequence.skip();
    else domain.sequence.observe(sequence, this.dataRecords, this.flowRecords);
    return this.rejected && this.useful === 0 ? -1 : this.useful;
  }

  protected reject(reason: string): void {
    this.stats.reject(reason);
    this.rejected = true;
  }

  /**
   * Adds (or refreshes) the template whose specifiers are buf[p, specEnd), then decodes whatever
   * data was waiting for it. An unchanged refresh costs one byte comparison, not a recompile.
   */
  protected template(
    domain: DomainState,
    id: number,
    buf: Uint8Array,
    p: number,
    specEnd: number,
    fieldCount: number,
    scopeCount: number,
    options: boolean,
    batch: FlowBatch,
    nowMs: number,
  ): void {
    const old = domain.templates.get(id);
    if (old !== undefined && old.sameSpec(buf, p, specEnd, options, scopeCount)) {
      old.refreshedMs = nowMs;
      this.useful++;
      return;
    }
    const plan = compileTemplate(buf, p, specEnd, id, fieldCount, scopeCount, options, this.ipfix);
    if (plan === null) {
      this.reject('bad-template');
      return;
    }
    if (!this.cache.put(domain, plan, nowMs)) {
      this.rejected = true;
      return;
    }
    this.useful++;
    const waiting = this.cache.takePending(domain, id, nowMs);
    if (waiting === undefined) return;
    const exportMs = this.data.exportMs;
    const sysUptime = this.data.sysUptime;
    for (const w of waiting) {
      this.data.exportMs = w.exportMs;
      this.data.sysUptime = w.sysUptime;
      const n = this.data.decode(w.data, 0, w.data.length, plan, domain, batch);
      if (plan.isFlow) {
        this.stats.records += n;
        domain.sequence.received += n;
      }
    }
    this.data.exportMs = exportMs;
    this.data.sysUptime = sysUptime;
  }

  /** Decodes a data set (buf[p, end) without the set header), or holds it until its template comes. */
  protected dataSet(
    domain: DomainState,
    id: number,
    buf: Uint8Array,
    p: number,
    end: number,
    batch: FlowBatch,
    nowMs: number,
  ): void {
    const plan = domain.templates.get(id);
    if (plan === undefined) {
      this.uncertain = true;
      if (this.cache.hold(domain, id, buf, p, end, this.data.exportMs, this.data.sysUptime, nowMs)) this.useful++;
      else this.rejected = true;
      return;
    }
    const n = this.data.decode(buf, p, end, plan, domain, batch);
    if (n === 0) {
      this.reject('short-data-set');
      return;
    }
    this.useful += n;
    this.dataRecords += n;
    if (plan.isFlow) {
      this.flowRecords += n;
      this.stats.records += n;
      domain.sequence.received += n;
    }
  }
}
