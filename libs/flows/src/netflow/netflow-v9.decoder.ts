import type { DecodeStats } from '../decode-stats';
import { FlowSource, type FlowBatch } from '../flow-batch';
import type { DomainState } from './domain-state';
import type { ExporterState } from './exporter-state';
import { readU16, readU32 } from './read-unsigned';
import type { TemplateCache } from './template-cache';
import { MIN_DATA_SET, TemplatedDecoder } from './templated.decoder';
import { specEnd } from './template-plan';

const HEADER = 20;
const TEMPLATE_FLOWSET = 0;
const OPTIONS_TEMPLATE_FLOWSET = 1;

/**
 * NetFlow v9 (RFC 3954): 20-byte header, then FlowSets (0 templates, 1 options templates,
 * >= 256 data). The header count is not trusted (exporters disagree on what it counts); FlowSet
 * lengths drive the walk. Uptime fields are relative to the header's sysUptime. Rejections:
 * `truncated`, `bad-set-length`, `bad-template`, `unknown-set`, `short-data-set`, `bad-record`,
 * plus the template cache's bounds.
 */
export class NetflowV9Decoder extends TemplatedDecoder {
  constructor(cache: TemplateCache, stats: DecodeStats) {
    super(cache, stats, FlowSource.NETFLOW_V9, false, TEMPLATE_FLOWSET, OPTIONS_TEMPLATE_FLOWSET);
  }

  /**
   * Decodes one datagram; returns the records, templates and held sets it carried, or -1 when it
   * was rejected without carrying anything.
   */
  decode(buf: Uint8Array, exporter: ExporterState, batch: FlowBatch, nowMs: number): number {
    const length = buf.length;
    if (length < HEADER) {
      this.stats.reject('truncated');
      return -1;
    }
    const sysUptime = readU32(buf, 4);
    const sequence = readU32(buf, 12);
    const domain = this.cache.domain(exporter, 9, readU32(buf, 16));
    if (domain === undefined) return -1;
    domain.noteUptime(sysUptime);
    this.begin(batch, exporter, readU32(buf, 8), sysUptime);

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
      if (id === 0 && fieldCount === 0) break; // padding
      if (id < MIN_DATA_SET || fieldCount === 0) {
        this.reject('bad-template');
        return;
      }
      const se = specEnd(buf, p + 4, end, fieldCount, false);
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
    while (end - p >= 6) {
      const id = readU16(buf, p);
      if (id === 0) break; // padding
      const scopeLength = readU16(buf, p + 2);
      const optionLength = readU16(buf, p + 4);
      const specLength = scopeLength + optionLength;
      if (
        id < MIN_DATA_SET ||
        scopeLength % 4 !== 0 ||
        optionLength % 4 !== 0 ||
        specLength === 0 ||
        specLength > end - p - 6
      ) {
        this.reject('bad-template');
        return;
      }
      this.template(domain, id, buf, p + 6, p + 6 + specLength, specLength / 4, scopeLength / 4, true, batch, nowMs);
      p += 6 + specLength;
    }
  }
}
