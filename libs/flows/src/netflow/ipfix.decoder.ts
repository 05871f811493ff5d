import type { DecodeStats } from '../decode-stats';
import { FlowSource, type FlowBatch } from '../flow-batch';
import type { DomainState } from './domain-state';
import type { ExporterState } from './exporter-state';
import { readU16, readU32 } from './read-unsigned';
import type { TemplateCache } from './template-cache';
import { MIN_DATA_SET, TemplatedDecoder } from './templated.decoder';
import { specEnd } from './template-plan';

const HEADER = 16;
const TEMPLATE_SET = 2;
const OPTIONS_TEMPLATE_SET = 3;

/**
 * IPFIX (RFC 7011): 16-byte header whose length bounds the message, then Sets (2 templates,
 * 3 options templates, >= 256 data). Handles enterprise-specific and variable-length fields,
 * template withdrawal (field count 0) and withdraw-all (template id 2 / 3). flowStart/EndSysUpTime
 * count from systemInitTimeMilliseconds (element 160) announced in options data, as softflowd
 * does; without it a flow is taken to end at export time. Rejections: `truncated`, `bad-length`,
 * `bad-set-length`, `bad-template`, `unknown-set`, `short-data-set`, `bad-record`, plus the
 * template cache's bounds.
 */
export class IpfixDecoder extends TemplatedDecoder {
  constructor(cache: TemplateCache, stats: DecodeStats) {
    super(cache, stats, FlowSource.IPFIX, true, TEMPLATE_SET, OPTIONS_TEMPLATE_SET);
  }

  /**
   * Decodes one message; returns the records, templates and held sets it carried, or -1 when it
   * was rejected without carrying anything.
   */
  decode(buf: Uint8Array, exporter: ExporterState, batch: FlowBatch, nowMs: number): number {
    if (buf.length < HEADER) {
      this.stats.reject('truncated');
      return -1;
    }
    const length = readU16(buf, 2);
    if (length < HEADER) {
      this.stats.reject('bad-length');
      return -1;
    }
    if (length > buf.length) {
      this.stats.reject('truncated');
      return -1;
    }
    const sequence = readU32(buf, 8);
    const domain = this.cache.domain(exporter, 10, readU32(buf, 12));
    if (domain === undefined) return -1;
    this.begin(batch, exporter, readU32(buf, 4), -1);

    this.sets(buf, HEADER, length, domain, batch, nowMs);
    return this.end(domain, sequence);
  }

  protected templates(
    buf: Uint8Array,
    p: number,
    end: number,
    domain: DomainState,
    batch: FlowBatch,
    nowMs: number,
  ): void {
    while (end - p >= 4) {
      const id = readU16(buf, p);
      const fieldCount = readU16(buf, p + 2);
      if (fieldCount === 0) {
        if (id === 0) break; // padding
        if (!this.withdraw(domain, id, TEMPLATE_SET, false)) return;
        p += 4;
        continue;
      }
      if (id < MIN_DATA_SET) {
        this.reject('bad-template');
        return;
      }
      const se = specEnd(buf, p + 4, end, fieldCount, true);
      if (se < 0) {
        this.reject('bad-template');
        return;
      }
      this.template(domain, id, buf, p + 4, se, fieldCount, 0, false, batch, nowMs);
      p = se;
    }
  }

  protected optionsTemplates(
    buf: Uint8Array,
    p: number,
    end: number,
    domain: DomainState,
    batch: FlowBatch,
    nowMs: number,
  ): void {
    while (end - p >= 4) {
      const id = readU16(buf, p);
      const fieldCount = readU16(buf, p + 2);
      if (fieldCount === 0) {
        if (id === 0) break; // padding
        if (!this.withdraw(domain, id, OPTIONS_TEMPLATE_SET, true)) return;
        p += 4;
        continue;
      }
      if (end - p < 6) {
        this.reject('bad-template');
        return;
      }
      const scopeCount = readU16(buf, p + 4);
      if (id < MIN_DATA_SET || scopeCount === 0 || scopeCount > fieldCount) {
        this.reject('bad-template');
        return;
      }
      const se = specEnd(buf, p + 6, end, fieldCount, true);
      if (se < 0) {
        this.reject('bad-template');
        return;
      }
      this.template(domain, id, buf, p + 6, se, fieldCount, scopeCount, true, batch, nowMs);
      p = se;
    }
  }

  /** Template withdrawal (RFC 7011 8.1): one id, or all of the set's kind when id is the set id. */
  private withdraw(domain: DomainState, id: number, setId: number, options: boolean): boolean {
    if (id === setId) {
      this.cache.withdrawAll(domain, options);
    } else if (id >= MIN_DATA_SET) {
      this.cache.withdraw(domain, id);
    } else {
      this.reject('bad-template');
      return false;
    }
    this.useful++;
    return true;
  }
}
