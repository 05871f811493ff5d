import type { DecodeStats } from '../decode-stats';
import { FlowSource, PROTO_TCP, type FlowBatch } from '../flow-batch';
import type { ExporterState } from './exporter-state';
import { readU16, readU32 } from './read-unsigned';
import type { TemplateCache } from './template-cache';

const HEADER = 24;
const RECORD = 48;
const MAX_COUNT = 30;

/**
 * NetFlow v5: a 24-byte header and 1-30 fixed 48-byte records. First/Last are sysUptime ms and
 * become absolute time through the header's unix_secs/nsecs and sysUptime; a non-zero sampling
 * interval (low 14 bits) scales packets and bytes. Rejections: `truncated`, `bad-count`,
 * `bad-length` (length not 24 + 48 * count).
 */
export class NetflowV5Decoder {
  constructor(
    private readonly cache: TemplateCache,
    private readonly stats: DecodeStats,
  ) {}

  /** Decodes one datagram into the batch; returns the records decoded, or -1 when rejected. */
  decode(buf: Uint8Array, exporter: ExporterState, batch: FlowBatch): number {
    const length = buf.length;
    if (length < HEADER) {
      this.stats.reject('truncated');
      return -1;
    }
    const count = readU16(buf, 2);
    if (count === 0 || count > MAX_COUNT) {
      this.stats.reject('bad-count');
      return -1;
    }
    if (length < HEADER + RECORD * count) {
      this.stats.reject('truncated');
      return -1;
    }
    if (length !== HEADER + RECORD * count) {
      this.stats.reject('bad-length');
      return -1;
    }
    const sysUptime = readU32(buf, 4);
    const nowMs = readU32(buf, 8) * 1000 + Math.floor(readU32(buf, 12) / 1_000_000);
    const sequence = readU32(buf, 16);
    const domain = this.cache.domain(exporter, 5, readU16(buf, 20));
    if (domain === undefined) return -1;
    domain.noteUptime(sysUptime);
    const interval = readU16(buf, 22) & 0x3fff;
    const rate = interval > 1 ? interval : 1;

    if (batch.length > 0 && (batch.source !== FlowSource.NETFLOW_V5 || batch.exporter !== exporter.address)) {
      batch.flush();
    }
    batch.source = FlowSource.NETFLOW_V5;
    batch.exporter = exporter.address;
    for (let r = 0, p = HEADER; r < count; r++, p += RECORD) {
      const i = batch.next();
      const a = i << 2;
      batch.srcAddr[a] = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      batch.dstAddr[a] = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
      const packets = ((buf[p + 16] << 24) | (buf[p + 17] << 16) | (buf[p + 18] << 8) | buf[p + 19]) >>> 0;
      const octets = ((buf[p + 20] << 24) | (buf[p + 21] << 16) | (buf[p + 22] << 8) | buf[p + 23]) >>> 0;
      const first = ((buf[p + 24] << 24) | (buf[p + 25] << 16) | (buf[p + 26] << 8) | buf[p + 27]) >>> 0;
      const last = ((buf[p + 28] << 24) | (buf[p + 29] << 16) | (buf[p + 30] << 8) | buf[p + 31]) >>> 0;
      batch.srcPort[i] = (buf[p + 32] << 8) | buf[p + 33];
      batch.dstPort[i] = (buf[p + 34] << 8) | buf[p + 35];
      const proto = buf[p + 38];
      batch.proto[i] = proto;
      if (proto === PROTO_TCP) batch.setTcpFlags(i, buf[p + 37]);
      // Signed difference: right across the 49.7-day sysUptime wrap.
      batch.startMs[i] = nowMs - ((sysUptime - first) | 0);
      batch.endMs[i] = nowMs - ((sysUptime - last) | 0);
      batch.packets[i] = packets * rate;
      batch.bytes[i] = octets * rate;
      batch.sampling[i] = rate;
    }
    this.stats.records += count;
    domain.sequence.received += count;
    domain.sequence.observe(sequence, count, count);
    return count;
  }
}
