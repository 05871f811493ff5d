import type { DecodeStats } from '../decode-stats';
import type { FlowBatch } from '../flow-batch';
import { PROTO_TCP } from '../flow-batch';
import type { DomainState } from './domain-state';
import { FieldKind, VARIABLE_LENGTH } from './field-kind';
import { readInto } from './read-unsigned';
import type { TemplatePlan } from './template-plan';

// Local copies: plain numeric constants keep the per-field switch a jump table.
const OCTETS = FieldKind.OCTETS;
const PACKETS = FieldKind.PACKETS;
const PROTO = FieldKind.PROTO;
const TCP_FLAGS = FieldKind.TCP_FLAGS;
const SRC_PORT = FieldKind.SRC_PORT;
const DST_PORT = FieldKind.DST_PORT;
const SRC_V4 = FieldKind.SRC_V4;
const DST_V4 = FieldKind.DST_V4;
const SRC_V6 = FieldKind.SRC_V6;
const DST_V6 = FieldKind.DST_V6;
const SRC_V6_IF_SET = FieldKind.SRC_V6_IF_SET;
const DST_V6_IF_SET = FieldKind.DST_V6_IF_SET;
const START_UPTIME = FieldKind.START_UPTIME;
const END_UPTIME = FieldKind.END_UPTIME;
const START_SEC = FieldKind.START_SEC;
const END_SEC = FieldKind.END_SEC;
const START_MS = FieldKind.START_MS;
const END_MS = FieldKind.END_MS;
const START_NTP = FieldKind.START_NTP;
const END_NTP = FieldKind.END_NTP;
const START_DELTA_US = FieldKind.START_DELTA_US;
const END_DELTA_US = FieldKind.END_DELTA_US;
const ICMP_TYPE_CODE = FieldKind.ICMP_TYPE_CODE;
const SAMPLING_INTERVAL = FieldKind.SAMPLING_INTERVAL;
const SAMPLER_ID = FieldKind.SAMPLER_ID;
const PACKET_INTERVAL = FieldKind.PACKET_INTERVAL;
const PACKET_SPACE = FieldKind.PACKET_SPACE;
const SAMPLING_SIZE = FieldKind.SAMPLING_SIZE;
const SAMPLING_POPULATION = FieldKind.SAMPLING_POPULATION;
const SYSTEM_INIT_MS = FieldKind.SYSTEM_INIT_MS;

const R_START = 0;
const R_END = 1;
const R_START_UP = 2;
const R_END_UP = 3;
const R_RATE = 4;
const R_SAMPLER = 5;
const R_FLAGS = 6;
const R_PKT_INTERVAL = 7;
const R_PKT_SPACE = 8;
const R_SAMPLE_SIZE = 9;
const R_POPULATION = 10;
const R_INIT_MS = 11;
const R_SIZE = 12;

/** Seconds from the NTP epoch (1900) to the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2208988800;
const MAX_RATE = 0xffffffff;
/** The largest epoch ms a JavaScript Date represents. */
const MAX_TIME_MS = 8.64e15;

/**
 * Decodes the records of one data set by walking its template's compiled plan, for NetFlow v9
 * and IPFIX alike. Flow records go straight into the batch columns; options records update the
 * stream's sampling rate, sampler table and system init time. Per-record state lives in a scratch
 * array of this object, so nothing is allocated per record.
 */
export class DataSetDecoder {
  /** Header time of the datagram being decoded, in ms (v9 unix_secs, IPFIX export time). */
  exportMs = 0;
  /** v9 header sysUptime; -1 for IPFIX, where uptimes count from systemInitTimeMilliseconds. */
  sysUptime = -1;

  /**
   * Per-record values, indexed by the R_* constants. Numbers beyond 2^31 (epoch ms, 64-bit
   * counters) would be boxed into a new heap object whenever a function returns them; kept in a
   * Float64Array and written with readInto(), they never are.
   */
  private readonly r = new Float64Array(R_SIZE);

  constructor(private readonly stats: DecodeStats) {
    this.resetFlow();
    this.resetOption();
  }

  /**
   * Decodes buf[p, end) as records of `plan`. Returns how many records it held (flow records were
   * appended to the batch when the plan is a flow template). A record running past the set is
   * counted as `bad-record` and ends the set.
   */
  decode(buf: Uint8Array, p: number, end: number, plan: TemplatePlan, domain: DomainState, batch: FlowBatch): number {
    const flow = plan.isFlow;
    const rl = plan.recordLength;
    let n = 0;
    if (rl > 0) {
      const kinds = plan.keptKind;
      const offs = plan.keptOff;
      const lens = plan.keptLen;
      const fields = kinds.length;
      if (flow) {
        for (; end - p >= rl; p += rl) {
          const i = batch.next();
          for (let k = 0; k < fields; k++) this.flowField(kinds[k], buf, p + offs[k], lens[k], i, batch);
          this.finishFlow(i, batch, domain);
          n++;
        }
      } else {
        for (; end - p >= rl; p += rl) {
          for (let k = 0; k < fields; k++) this.optionField(kinds[k], buf, p + offs[k], lens[k]);
          this.finishOption(domain);
          n++;
        }
      }
      return n;
    }

    const kinds = plan.kind;
    const lens = plan.len;
    const fields = kinds.length;
    const min = plan.minRecordLength;
    while (end - p >= min) {
      const i = flow ? batch.next() : -1;
      let q = p;
      let ok = true;
      for (let k = 0; k < fields; k++) {
        let len = lens[k];
        if (len === VARIABLE_LENGTH) {
          if (q >= end) {
            ok = false;
            break;
          }
          len = buf[q++];
          if (len === 255) {
            if (end - q < 2) {
              ok = false;
              break;
            }
            len = (buf[q] << 8) | buf[q + 1];
            q += 2;
          }
        }
        if (end - q < len) {
          ok = false;
          break;
        }
        const kind = kinds[k];
        if (kind !== 0) {
          if (flow) this.flowField(kind, buf, q, len, i, batch);
          else this.optionField(kind, buf, q, len);
        }
        q += len;
      }
      if (!ok) {
        if (flow) {
          batch.dropLast();
          this.resetFlow();
        } else this.resetOption();
        this.stats.reject('bad-record');
        break;
      }
      if (flow) this.finishFlow(i, batch, domain);
      else this.finishOption(domain);
      n++;
      p = q;
    }
    return n;
  }

  private flowField(kind: number, buf: Uint8Array, q: number, len: number, i: number, b: FlowBatch): void {
    const r = this.r;
    switch (kind) {
      case OCTETS:
        readInto(b.bytes, i, buf, q, len);
        break;
      case PACKETS:
        readInto(b.packets, i, buf, q, len);
        break;
      case PROTO:
        b.proto[i] = buf[q];
        break;
      case TCP_FLAGS:
        // The 2-byte form (RFC 7125) keeps the classic flags in its low byte.
        r[R_FLAGS] = buf[q + len - 1];
        break;
      case SRC_PORT:
        b.srcPort[i] = (buf[q] << 8) | buf[q + 1];
        break;
      case DST_PORT:
        b.dstPort[i] = (buf[q] << 8) | buf[q + 1];
        break;
      case SRC_V4:
        b.srcAddr[i << 2] = (buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3];
        break;
      case DST_V4:
        b.dstAddr[i << 2] = (buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3];
        break;
      case SRC_V6:
        writeV6(b.srcAddr, i << 2, buf, q, true);
        b.family[i] = 6;
        break;
      case DST_V6:
        writeV6(b.dstAddr, i << 2, buf, q, true);
        b.family[i] = 6;
        break;
      case SRC_V6_IF_SET:
        if (writeV6(b.srcAddr, i << 2, buf, q, false)) b.family[i] = 6;
        break;
      case DST_V6_IF_SET:
        if (writeV6(b.dstAddr, i << 2, buf, q, false)) b.family[i] = 6;
        break;
      case START_UPTIME:
        readInto(r, R_START_UP, buf, q, 4);
        break;
      case END_UPTIME:
        readInto(r, R_END_UP, buf, q, 4);
        break;
      case START_SEC:
        readInto(r, R_START, buf, q, 4);
        r[R_START] *= 1000;
        break;
      case END_SEC:
        readInto(r, R_END, buf, q, 4);
        r[R_END] *= 1000;
        break;
      case START_MS:
        readInto(r, R_START, buf, q, len);
        break;
      case END_MS:
        readInto(r, R_END, buf, q, len);
        break;
      case START_NTP:
        ntpInto(r, R_START, buf, q);
        break;
      case END_NTP:
        ntpInto(r, R_END, buf, q);
        break;
      case START_DELTA_US:
        readInto(r, R_START, buf, q, 4);
        r[R_START] = this.exportMs - Math.round(r[R_START] / 1000);
        break;
      case END_DELTA_US:
        readInto(r, R_END, buf, q, 4);
        r[R_END] = this.exportMs - Math.round(r[R_END] / 1000);
        break;
      case ICMP_TYPE_CODE:
        // Collectors conventionally show ICMP type << 8 | code as the destination port.
        b.dstPort[i] = (buf[q] << 8) | buf[q + 1];
        break;
      case SAMPLING_INTERVAL:
        readInto(r, R_RATE, buf, q, len);
        break;
      case SAMPLER_ID:
        readInto(r, R_SAMPLER, buf, q, len);
        break;
    }
  }

  private finishFlow(i: number, b: FlowBatch, domain: DomainState): void {
    const r = this.r;
    let s = r[R_START];
    let e = r[R_END];
    const sUp = r[R_START_UP];
    const eUp = r[R_END_UP];
    // Uptimes become absolute time here, inline (a helper returning the double would box it).
    // v9: from the header's sysUptime; the signed difference survives the 49.7-day wrap.
    // IPFIX: from systemInitTimeMilliseconds in options data (softflowd sends it); without it the
    // flow is taken to end at export time, keeping its duration.
    if (s !== s && sUp >= 0) {
      if (this.sysUptime >= 0) s = this.exportMs - ((this.sysUptime - sUp) | 0);
      else if (domain.systemInitMs === domain.systemInitMs) s = domain.systemInitMs + sUp;
      else s = this.exportMs - (((eUp >= 0 ? eUp : sUp) - sUp) | 0);
    }
    if (e !== e && eUp >= 0) {
      if (this.sysUptime >= 0) e = this.exportMs - ((this.sysUptime - eUp) | 0);
      else if (domain.systemInitMs === domain.systemInitMs) e = domain.systemInitMs + eUp;
      else e = this.exportMs;
    }
    if (s !== s) s = e !== e ? this.exportMs : e;
    if (e !== e) e = s;
    // Garbage timestamps (outside what a Date can hold) fall back to the export time.
    if (!(s >= 0 && s <= MAX_TIME_MS)) s = this.exportMs;
    if (!(e >= 0 && e <= MAX_TIME_MS)) e = s;
    b.startMs[i] = s;
    b.endMs[i] = e;

    let rate = r[R_RATE];
    if (rate === 0 && r[R_SAMPLER] >= 0) rate = domain.rateForSampler(r[R_SAMPLER]);
    if (rate === 0) rate = domain.samplingRate;
    if (rate > 1) {
      if (rate > MAX_RATE) rate = MAX_RATE;
      b.packets[i] *= rate;
      b.bytes[i] *= rate;
      b.sampling[i] = rate;
    }
    if (r[R_FLAGS] >= 0 && b.proto[i] === PROTO_TCP) b.setTcpFlags(i, r[R_FLAGS]);
    this.resetFlow();
  }

  private resetFlow(): void {
    const r = this.r;
    r[R_START] = NaN;
    r[R_END] = NaN;
    r[R_START_UP] = -1;
    r[R_END_UP] = -1;
    r[R_RATE] = 0;
    r[R_SAMPLER] = -1;
    r[R_FLAGS] = -1;
  }

  private optionField(kind: number, buf: Uint8Array, q: number, len: number): void {
    const r = this.r;
    switch (kind) {
      case SAMPLING_INTERVAL:
        readInto(r, R_RATE, buf, q, len);
        break;
      case SAMPLER_ID:
        readInto(r, R_SAMPLER, buf, q, len);
        break;
      case PACKET_INTERVAL:
        readInto(r, R_PKT_INTERVAL, buf, q, len);
        break;
      case PACKET_SPACE:
        readInto(r, R_PKT_SPACE, buf, q, len);
        break;
      case SAMPLING_SIZE:
        readInto(r, R_SAMPLE_SIZE, buf, q, len);
        break;
      case SAMPLING_POPULATION:
        readInto(r, R_POPULATION, buf, q, len);
        break;
      case SYSTEM_INIT_MS:
        readInto(r, R_INIT_MS, buf, q, len);
        break;
    }
  }

  private finishOption(domain: DomainState): void {
    const r = this.r;
    if (r[R_INIT_MS] > 0) domain.systemInitMs = r[R_INIT_MS];
    let rate = 0;
    const interval = r[R_PKT_INTERVAL];
    if (r[R_RATE] > 0) rate = r[R_RATE];
    // PSAMP systematic count-based sampling: select `interval` packets, skip `space` (RFC 5476).
    else if (interval > 0) rate = Math.round((interval + r[R_PKT_SPACE]) / interval);
    else if (r[R_SAMPLE_SIZE] > 0 && r[R_POPULATION] > 0) rate = Math.round(r[R_POPULATION] / r[R_SAMPLE_SIZE]);
    if (rate > 0) {
      if (rate > MAX_RATE) rate = MAX_RATE;
      if (r[R_SAMPLER] >= 0) domain.setSamplerRate(r[R_SAMPLER], rate);
      else domain.samplingRate = rate;
    }
    this.resetOption();
  }

  private resetOption(): void {
    const r = this.r;
    r[R_RATE] = 0;
    r[R_SAMPLER] = -1;
    r[R_PKT_INTERVAL] = 0;
    r[R_PKT_SPACE] = 0;
    r[R_SAMPLE_SIZE] = 0;
    r[R_POPULATION] = 0;
    r[R_INIT_MS] = NaN;
  }
}

/**
 * Copies a 16-byte address into 4 words. Unless `always`, an all-zero address (the unused half of
 * a template carrying both families) is not written, so it cannot clobber the IPv4 address.
 */
function writeV6(words: Uint32Array, a: number, buf: Uint8Array, q: number, always: boolean): boolean {
  const w0 = ((buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3]) >>> 0;
  const w1 = ((buf[q + 4] << 24) | (buf[q + 5] << 16) | (buf[q + 6] << 8) | buf[q + 7]) >>> 0;
  const w2 = ((buf[q + 8] << 24) | (buf[q + 9] << 16) | (buf[q + 10] << 8) | buf[q + 11]) >>> 0;
  const w3 = ((buf[q + 12] << 24) | (buf[q + 13] << 16) | (buf[q + 14] << 8) | buf[q + 15]) >>> 0;
  if (!always && (w0 | w1 | w2 | w3) === 0) return false;
  words[a] = w0;
  words[a + 1] = w1;
  words[a + 2] = w2;
  words[a + 3] = w3;
  return true;
}

function ntpInto(dst: Float64Array, at: number, buf: Uint8Array, q: number): void {
  const sec = ((buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3]) >>> 0;
  const frac = ((buf[q + 4] << 24) | (buf[q + 5] << 16) | (buf[q + 6] << 8) | buf[q + 7]) >>> 0;
  dst[at] = (sec - NTP_UNIX_OFFSET_S) * 1000 + Math.floor((frac * 1000) / 4294967296);
}
