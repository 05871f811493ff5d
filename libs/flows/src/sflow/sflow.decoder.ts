import { formatIPv4, formatIPv6 } from '@sg/common';
import { DecodeStats } from '../decode-stats';
import { FlowBatch, FlowSource, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from '../flow-batch';
import { SequenceTracker, SequenceUnit } from '../netflow/sequence-tracker';

/**
 * sFlow version 5 decoder (sflow.org, sflow_version_5.txt).
 *
 * Every flow sample becomes one flow record scaled by its sampling rate: packets = rate,
 * bytes = frame length x rate, stamped with the receive time (sFlow samples are exported at
 * once, so that is within a second of the packet). The addresses, ports and flags come from the
 * raw packet header record (Ethernet with 802.1Q/802.1ad tags, or bare IPv4/IPv6), or else from
 * a sampled IPv4/IPv6 record. Counter samples and other vendors' structures are skipped by their
 * length.
 *
 * Datagrams lost on the way are estimated per agent + sub-agent from the datagram sequence
 * numbers, with the same tracker (and reporting shape) as NetFlow; an uptime that went back is a
 * restart, not loss.
 *
 * The datagram is untrusted: every length is checked against what contains it before it is used,
 * a bad sample is counted under a reason and dropped while the other samples are kept, and loops
 * are bounded by the bytes left, so a lying count cannot make the decoder spin. Reasons:
 * truncated, bad-version, bad-address-type, bad-length, bad-sample, bad-sampling-rate, non-ip,
 * no-packet-record.
 *
 * The batch is not flushed here (the collector's tick does that) and `batch.exporter` is the
 * caller's to set, as for the NetFlow decoders.
 */

const SAMPLE_FLOW = 1;
const SAMPLE_FLOW_EXPANDED = 3;
const RECORD_RAW_HEADER = 1;
const RECORD_SAMPLED_IPV4 = 3;
const RECORD_SAMPLED_IPV6 = 4;
const HEADER_ETHERNET = 1;
const HEADER_IPV4 = 11;
const HEADER_IPV6 = 12;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
/** More stacked tags than this is not a frame anyone sends. */
const MAX_VLAN_TAGS = 4;
/** IPv6 extension headers followed before giving up on finding the transport header. */
const MAX_EXT_HEADERS = 8;
const PROTO_SCTP = 132;
/** Uptime may look a little backwards across reordered datagrams; a restart drops it much more. */
const UPTIME_SLACK_MS = 60_000;

/** One agent + sub-agent: its datagram sequence numbers count datagrams (sFlow v5). */
interface AgentState {
  agent: string;
  subAgent: number;
  uptime: number;
  sequence: SequenceTracker;
}

/** Per agent + sub-agent, in the shape the NetFlow collector reports its exporters. */
export interface SflowAgentCounters {
  agent: string;
  subAgent: number;
  datagrams: number;
  /** Flow records (samples) decoded. */
  received: number;
  /** Flow records estimated lost: lost datagrams times the mean samples per datagram. */
  lost: number;
  lostDatagrams: number;
  /** Resynchronisations (agent restarts, unexplainable jumps). */
  resets: number;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export class SflowDecoder {
  /** Keyed by agent (IPv4 as its number, IPv6 as a negative hash), then sub-agent id. */
  private readonly agents = new Map<number, Map<number, AgentState>>();

  constructor(
    private readonly batch: FlowBatch,
    readonly stats: DecodeStats = new DecodeStats(),
  ) {}

  /**
   * Decodes one datagram into the batch (without flushing it) and returns the records written.
   * Never throws on bad input.
   */
  decode(buf: Uint8Array, nowMs: number): number {
    const stats = this.stats;
    stats.datagrams++;
    const len = buf.length;
    if (len < 8) {
      stats.reject('truncated');
      return 0;
    }
    if (u32(buf, 0) !== 5) {
      stats.reject('bad-version');
      return 0;
    }
    const addrType = u32(buf, 4);
    const addrLen = addrType === 1 ? 4 : addrType === 2 ? 16 : 0;
    if (addrLen === 0) {
      stats.reject('bad-address-type');
      return 0;
    }
    const h = 8 + addrLen;
    if (len < h + 16) {
      stats.reject('truncated');
      return 0;
    }
    const agent = this.agent(buf, addrLen, u32(buf, h));
    const uptime = u32(buf, h + 8);
    if (uptime + UPTIME_SLACK_MS < agent.uptime) {
      agent.sequence.restart();
      agent.uptime = uptime;
    } else if (uptime > agent.uptime) agent.uptime = uptime;
    const count = u32(buf, h + 12);

    const before = stats.records;
    let off = h + 16;
    for (let k = 0; k < count; k++) {
      if (len - off < 8) {
        stats.reject('truncated');
        break;
      }
      const format = u32(buf, off);
      const sampleLen = u32(buf, off + 4);
      const body = off + 8;
      if (sampleLen > len - body) {
        stats.reject('truncated');
        break;
      }
      // Enterprise 0 only; counter samples and vendor structures are skipped by length.
      if (format === SAMPLE_FLOW || format === SAMPLE_FLOW_EXPANDED) {
        this.flowSample(buf, body, body + sampleLen, format === SAMPLE_FLOW_EXPANDED, nowMs);
      }
      off = body + sampleLen;
    }
    const written = stats.records - before;
    agent.sequence.observe(u32(buf, h + 4), written, written);
    agent.sequence.received += written;
    return written;
  }

  /** Flow records (samples) decoded, over all agents. */
  get received(): number {
    let n = 0;
    for (const a of this.agentStates()) n += a.sequence.received;
    return n;
  }

  /** Flow records estimated lost between the agents and us. */
  get lost(): number {
    let n = 0;
    for (const a of this.agentStates()) n += a.sequence.lost;
    return n;
  }

  /** Per agent + sub-agent counters (cold path, for metrics). */
  agentCounters(): SflowAgentCounters[] {
    return this.agentStates().map(({ agent, subAgent, sequence: s }) => ({
      agent,
      subAgent,
      datagrams: s.datagrams,
      received: s.received,
      lost: s.lost,
      lostDatagrams: s.lostDatagrams,
      resets: s.resets,
    }));
  }

  private agentStates(): AgentState[] {
    const out: AgentState[] = [];
    for (const inner of this.agents.values()) out.push(...inner.values());
    return out;
  }

  private flowSample(b: Uint8Array, s: number, e: number, expanded: boolean, nowMs: number): void {
    const stats = this.stats;
    // flow_sample: seq, source id, rate, pool, drops, input, output, record count.
    // expanded: seq, source class, source index, rate, pool, drops, in fmt, in, out fmt, out, count.
    const fixed = expanded ? 44 : 32;
    if (e - s < fixed) {
      stats.reject('bad-sample');
      return;
    }
    const rate = u32(b, s + (expanded ? 12 : 8));
    const nRecords = u32(b, s + fixed - 4);

    let raw = -1;
    let rawEnd = 0;
    let headerProto = 0;
    let frameLen = 0;
    let v4 = -1;
    let v6 = -1;
    let p = s + fixed;
    for (let k = 0; k < nRecords; k++) {
      if (e - p < 8) {
        stats.reject('bad-sample');
        return;
      }
      const format = u32(b, p);
      const recLen = u32(b, p + 4);
      const rb = p + 8;
      if (recLen > e - rb) {
        stats.reject('bad-length');
        return;
      }
      if (format === RECORD_RAW_HEADER) {
        // header_protocol, frame_length, stripped, header length, header bytes (padded).
        if (recLen < 16 || u32(b, rb + 12) > recLen - 16) {
          stats.reject('bad-length');
          return;
        }
        headerProto = u32(b, rb);
        frameLen = u32(b, rb + 4);
        raw = rb + 16;
        rawEnd = raw + u32(b, rb + 12);
      } else if (format === RECORD_SAMPLED_IPV4) {
        if (recLen < 32) {
          stats.reject('bad-length');
          return;
        }
        v4 = rb;
      } else if (format === RECORD_SAMPLED_IPV6) {
        if (recLen < 56) {
          stats.reject('bad-length');
          return;
        }
        v6 = rb;
      }
      p = rb + recLen;
    }
    if (rate === 0) {
      stats.reject('bad-sampling-rate');
      return;
    }

    const batch = this.batch;
    if (batch.source !== FlowSource.SFLOW) {
      batch.flush();
      batch.source = FlowSource.SFLOW;
    }
    const i = batch.next();
    let ok = raw >= 0 && this.packetHeader(b, raw, rawEnd, headerProto, i);
    if (!ok && v4 >= 0) {
      // length, protocol, src, dst, src port, dst port, tcp flags, tos.
      batch.setV4(i, u32(b, v4 + 8), u32(b, v4 + 12));
      this.sampledL4(b, v4 + 4, v4 + 16, i);
      if (raw < 0) frameLen = u32(b, v4);
      ok = true;
    }
    if (!ok && v6 >= 0) {
      // length, protocol, src (16), dst (16), src port, dst port, tcp flags, priority.
      batch.setV6FromBuffer(i, b, v6 + 8, v6 + 24);
      this.sampledL4(b, v6 + 4, v6 + 40, i);
      if (raw < 0) frameLen = u32(b, v6);
      ok = true;
    }
    if (!ok) {
      batch.dropLast();
      stats.reject(raw >= 0 ? 'non-ip' : 'no-packet-record');
      return;
    }
    batch.startMs[i] = batch.endMs[i] = nowMs;
    batch.sampling[i] = rate;
    batch.packets[i] = rate;
    batch.bytes[i] = frameLen * rate;
    stats.records++;
  }

  /** Protocol, ports and flags of a sampled IPv4/IPv6 record; `pp` = protocol, `lp` = src port. */
  private sampledL4(b: Uint8Array, pp: number, lp: number, i: number): void {
    const batch = this.batch;
    const proto = u32(b, pp) & 0xff;
    batch.proto[i] = proto;
    batch.srcPort[i] = u32(b, lp) & 0xffff;
    batch.dstPort[i] = u32(b, lp + 4) & 0xffff;
    if (proto === PROTO_TCP) batch.setTcpFlags(i, u32(b, lp + 8));
  }

  /** Decodes the sampled packet's headers into record i; false when it holds no IP packet. */
  private packetHeader(b: Uint8Array, s: number, e: number, headerProto: number, i: number): boolean {
    if (headerProto === HEADER_IPV4) return this.ipv4(b, s, e, i);
    if (headerProto === HEADER_IPV6) return this.ipv6(b, s, e, i);
    if (headerProto !== HEADER_ETHERNET || e - s < 14) return false;
    let type = u16(b, s + 12);
    let p = s + 14;
    for (let t = 0; t < MAX_VLAN_TAGS && (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD); t++) {
      if (e - p < 4) return false;
      type = u16(b, p + 2);
      p += 4;
    }
    if (type === ETH_IPV4) return this.ipv4(b, p, e, i);
    if (type === ETH_IPV6) return this.ipv6(b, p, e, i);
    return false;
  }

  private ipv4(b: Uint8Array, p: number, e: number, i: number): boolean {
    if (e - p < 20 || b[p] >> 4 !== 4) return false;
    const ihl = (b[p] & 0x0f) * 4;
    if (ihl < 20) return false;
    const proto = b[p + 9];
    this.batch.setV4(i, u32(b, p + 12), u32(b, p + 16));
    this.batch.proto[i] = proto;
    // Only the first fragment carries the transport header.
    if ((u16(b, p + 6) & 0x1fff) === 0) this.transport(b, p + ihl, e, proto, i);
    return true;
  }

  private ipv6(b: Uint8Array, p: number, e: number, i: number): boolean {
    if (e - p < 40 || b[p] >> 4 !== 6) return false;
    this.batch.setV6FromBuffer(i, b, p + 8, p + 24);
    let next = b[p + 6];
    let q = p + 40;
    let l4 = true;
    for (let k = 0; k < MAX_EXT_HEADERS; k++) {
      if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
        // Hop-by-hop, routing, destination options, mobility, HIP, shim6: length in 8-byte units.
        if (e - q < 2) {
          l4 = false;
          break;
        }
        next = b[q];
        q += (b[q + 1] + 1) * 8;
      } else if (next === 44) {
        if (e - q < 8) {
          l4 = false;
          break;
        }
        const notFirst = (u16(b, q + 2) & 0xfff8) !== 0;
        next = b[q];
        q += 8;
        if (notFirst) {
          l4 = false;
          break;
        }
      } else if (next === 51) {
        // Authentication header: length in 4-byte units, minus 2.
        if (e - q < 2) {
          l4 = false;
          break;
        }
        next = b[q];
        q += (b[q + 1] + 2) * 4;
      } else break;
    }
    this.batch.proto[i] = next;
    if (l4) this.transport(b, q, e, next, i);
    return true;
  }

  /**
   * Ports and TCP flags from the transport header, as far as the captured bytes go. ICMP type and
   * code go into the destination port (type << 8 | code), as NetFlow exporters put them.
   */
  private transport(b: Uint8Array, q: number, e: number, proto: number, i: number): void {
    const batch = this.batch;
    if (proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP) {
      if (e - q < 4) return;
      batch.srcPort[i] = u16(b, q);
      batch.dstPort[i] = u16(b, q + 2);
      if (proto === PROTO_TCP && e - q >= 14) batch.setTcpFlags(i, b[q + 13]);
    } else if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
      if (e - q < 2) return;
      batch.dstPort[i] = (b[q] << 8) | b[q + 1];
    }
  }

  /** The state of the datagram's agent + sub-agent, created on first sight. */
  private agent(b: Uint8Array, addrLen: number, subAgent: number): AgentState {
    let key: number;
    if (addrLen === 4) key = u32(b, 8);
    else {
      // FNV-1a over the 16 bytes, as a negative number so it cannot meet an IPv4 key.
      let hash = 0x811c9dc5;
      for (let k = 8; k < 24; k++) hash = Math.imul(hash ^ b[k], 0x01000193);
      key = -1 - (hash >>> 0);
    }
    let inner = this.agents.get(key);
    if (!inner) {
      inner = new Map();
      this.agents.set(key, inner);
    }
    let st = inner.get(subAgent);
    if (!st) {
      const agent = addrLen === 4 ? formatIPv4(key) : formatIPv6(this.agentWords(b));
      const sequence = new SequenceTracker(1 << SequenceUnit.DATAGRAMS, SequenceUnit.DATAGRAMS);
      st = { agent, subAgent, uptime: 0, sequence };
      inner.set(subAgent, st);
    }
    return st;
  }

  private agentWords(b: Uint8Array): Uint32Array {
    return Uint32Array.of(u32(b, 8), u32(b, 12), u32(b, 16), u32(b, 20));
  }
}
