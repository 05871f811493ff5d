import type { DetectionConfig } from './detection-config';
import { formatPeer, type Detection, type EvalWindow, type MirrorTarget, type PeerEvidence } from './detection';
import {
  C_BYTES,
  C_FLOWS,
  C_ICMP_PK,
  C_INTERNAL_FLOWS,
  C_PACKETS,
  C_SPAN_END,
  C_SPAN_START,
  C_SYN_PK,
  C_TCP_PK,
  C_UDP_PK,
  K_BYTES,
  K_FIRST,
  K_FLOWS,
  K_ICMP,
  K_LAST,
  K_META,
  K_PACKETS,
  K_SYN,
  K_UDP,
  K_VM,
  type TrackStore,
} from './track-store';

interface Hit {
  subkind: string;
  rule: string;
  threshold: number;
  observed: number;
  unit: string;
}

/**
 * Floods, on the side's current bucket, with rates averaged over the time the traffic actually
 * spans (at least 5 s, FastNetMon's averaging), so a 20-second burst is not diluted into a minute.
 * - Whole VM, inbound (many-to-one, spoofed sources): FastNetMon's host limits (20,000 pps,
 *   1,000 Mbit/s, 3,500 flows/s) and a half-open (SYN-only) rate of 1,000/s.
 * - One peer, either direction: much lower limits (see DetectionConfig.flood), each with the
 *   attack's shape: SYN-only > 90% and few ports (many ports is a scan); UDP/other traffic the
 *   peer does not answer (a conversation is not a flood); ICMP > 90%.
 * The subkind follows FastNetMon's > 90% protocol rule.
 */
export class FloodDetector {
  constructor(private readonly cfg: DetectionConfig) {}

  evaluate(
    store: TrackStore,
    t: number,
    other: number,
    role: 'source' | 'target',
    win: EvalWindow,
    skipUdp: boolean,
    out: Detection[],
  ): void {
    if (!win.current) return;
    const f = this.cfg.flood;
    const cnt = store.f32;
    const c = t * store.stride + store.oCnt;
    const packets = cnt[c + C_PACKETS];
    const minSpan = this.cfg.minRateSpanMs;
    // Nothing can reach any rate below these amounts in the shortest span: skip the bucket.
    const s = minSpan / 1000;
    if (
      cnt[c + C_SYN_PK] < f.peerSynPps * s &&
      cnt[c + C_ICMP_PK] < f.peerIcmpPps * s &&
      cnt[c + C_UDP_PK] < f.peerUdpPps * s &&
      (cnt[c + C_BYTES] * 8) / 1e6 < Math.min(f.peerMbps, f.targetMbps) * s &&
      packets < f.targetPps * s &&
      cnt[c + C_FLOWS] < f.targetFlowsPerSec * s
    ) {
      return;
    }
    const bucketStart = store.cur(t) * win.bucketMs;
    const w = new Uint32Array(4);

    const peers: PeerEvidence[] = [];
    const mirrors: MirrorTarget[] = [];
    let best: Hit | null = null;
    let bestPeer: PeerEvidence | null = null;
    const k = store.k;
    for (let j = 0; j < k; j++) {
      const r = store.row(t, j);
      const meta = store.i32[r + K_META];
      if (meta === 0) continue;
      const kv = store.f32;
      const pk = kv[r + K_PACKETS];
      if (pk <= 0) continue;
      const family = meta & 7;
      store.rowWords(t, j, w);
      const p: PeerEvidence = {
        ip: formatPeer(family, w, 0),
        flows: kv[r + K_FLOWS],
        packets: pk,
        bytes: kv[r + K_BYTES],
        vm: store.i32[r + K_VM],
      };
      peers.push(p);
      const span = Math.max(minSpan, kv[r + K_LAST] - kv[r + K_FIRST]) / 1000;
      const reply = other >= 0 ? store.topUpperBound(other, w, 0, family) : 0;
      const hit = this.peerHit(
        pk,
        kv[r + K_SYN],
        kv[r + K_UDP],
        kv[r + K_ICMP],
        kv[r + K_BYTES],
        span,
        reply / pk,
        store.topPortSpread(r),
        skipUdp,
      );
      if (hit) {
        if (!best || hit.observed / hit.threshold > best.observed / best.threshold) {
          best = hit;
          bestPeer = p;
        }
        if (p.vm >= 0) mirrors.push({ vmSlot: p.vm, peer: p });
      }
    }
    peers.sort((a, b) => b.packets - a.packets);

    const span = Math.max(minSpan, cnt[c + C_SPAN_END] - cnt[c + C_SPAN_START]) / 1000;
    const flows = cnt[c + C_FLOWS];
    const bytes = cnt[c + C_BYTES];
    const counts = { flows, packets, bytes, distinctPeers: peers.length, distinctPorts: 0 };
    const firstMs = bucketStart + (Number.isFinite(cnt[c + C_SPAN_START]) ? cnt[c + C_SPAN_START] : 0);
    const lastMs = bucketStart + (Number.isFinite(cnt[c + C_SPAN_END]) ? cnt[c + C_SPAN_END] : win.bucketMs);

    if (best && bestPeer) {
      const v = best;
      out.push({
        kind: 'flood',
        subkind: v.subkind,
        ruleName: v.rule,
        threshold: v.threshold,
        observed: Math.round(v.observed),
        description: `${Math.round(v.observed)} ${v.unit} ${role === 'source' ? 'toward' : 'from'} ${bestPeer.ip}; one-peer limit ${v.threshold} ${v.unit}`,
        counts: {
          ...counts,
          flows: bestPeer.flows,
          packets: bestPeer.packets,
          bytes: bestPeer.bytes,
          distinctPeers: 1,
        },
        topPeers: peers.slice(0, 10),
        ports: [],
        internal: bestPeer.vm >= 0,
        firstMs,
        lastMs,
        mirrors,
      });
      return;
    }
    if (role !== 'target') return;

    // Host rates: the busiest rate slot (FastNetMon's 5-s average), so background traffic in the
    // rest of the minute does not dilute a 20-second flood.
    const slotS = this.cfg.minRateSpanMs / 1000;
    const pps = store.peak(t, 0) / slotS;
    const mbps = (pps * (bytes / packets) * 8) / 1e6;
    const fps = pps * (flows / packets);
    const synPps = store.peak(t, 1) / slotS;
    const tcp = cnt[c + C_TCP_PK];
    let hit: Hit | null = null;
    if (pps >= f.targetPps)
      hit = { subkind: '', rule: 'flood.host-pps', threshold: f.targetPps, observed: pps, unit: 'packets/s' };
    else if (mbps >= f.targetMbps)
      hit = { subkind: '', rule: 'flood.host-mbps', threshold: f.targetMbps, observed: mbps, unit: 'Mbit/s' };
    else if (fps >= f.targetFlowsPerSec)
      hit = { subkind: '', rule: 'flood.host-flows', threshold: f.targetFlowsPerSec, observed: fps, unit: 'flows/s' };
    else if (synPps >= f.targetSynPps && cnt[c + C_SYN_PK] >= f.protocolShare * tcp) {
      hit = {
        subkind: 'syn-flood',
        rule: 'flood.host-syn',
        threshold: f.targetSynPps,
        observed: synPps,
        unit: 'half-open packets/s',
      };
    }
    if (!hit) return;
    const share = f.protocolShare;
    if (!hit.subkind) {
      hit.subkind =
        cnt[c + C_SYN_PK] > share * packets
          ? 'syn-flood'
          : cnt[c + C_UDP_PK] > share * packets
            ? 'udp-flood'
            : cnt[c + C_ICMP_PK] > share * packets
              ? 'icmp-flood'
              : 'volumetric';
    }
    if (skipUdp && hit.subkind !== 'syn-flood' && hit.subkind !== 'icmp-flood') return;
    out.push({
      kind: 'flood',
      subkind: hit.subkind,
      ruleName: hit.rule,
      threshold: hit.threshold,
      observed: Math.round(hit.observed),
      description: `${Math.round(hit.observed)} ${hit.unit} into this VM at the busiest ${slotS} s of the minute (${Math.round(packets)} packets from ${peers.length}+ sources seen in ${span.toFixed(0)} s); FastNetMon host limit ${hit.threshold}`,
      counts,
      topPeers: peers.slice(0, 10),
      ports: [],
      internal: cnt[c + C_INTERNAL_FLOWS] * 2 > flows,
      firstMs,
      lastMs,
      mirrors: [],
    });
  }

  private peerHit(
    pk: number,
    syn: number,
    udp: number,
    icmp: number,
    bytes: number,
    span: number,
    replyShare: number,
    ports: number,
    skipUdp: boolean,
  ): Hit | null {
    const f = this.cfg.flood;
    const share = f.protocolShare;
    if (syn >= share * pk && syn / span >= f.peerSynPps && ports < f.randomPorts) {
      return {
        subkind: 'syn-flood',
        rule: 'flood.peer-syn',
        threshold: f.peerSynPps,
        observed: syn / span,
        unit: 'SYN-only packets/s',
      };
    }
    if (icmp >= share * pk && icmp / span >= f.peerIcmpPps) {
      return {
        subkind: 'icmp-flood',
        rule: 'flood.peer-icmp',
        threshold: f.peerIcmpPps,
        observed: icmp / span,
        unit: 'ICMP packets/s',
      };
    }
    if (skipUdp || replyShare > f.maxReplyShare) return null;
    if (udp >= share * pk) {
      const limit = ports >= f.randomPorts ? f.peerUdpPps : f.peerUdpFixedPortPps;
      if (udp / span >= limit) {
        return {
          subkind: 'udp-flood',
          rule: ports >= f.randomPorts ? 'flood.peer-udp-random-ports' : 'flood.peer-udp',
          threshold: limit,
          observed: udp / span,
          unit: 'unanswered UDP packets/s',
        };
      }
    }
    const mbps = (bytes * 8) / span / 1e6;
    if (mbps >= f.peerMbps)
      return {
        subkind: 'volumetric',
        rule: 'flood.peer-mbps',
        threshold: f.peerMbps,
        observed: mbps,
        unit: 'unanswered Mbit/s',
      };
    return null;
  }
}
