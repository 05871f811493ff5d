import type { FindingRole } from '@sg/queues/finding-vocabulary';
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
  /** The observed rate and limit of the rule peerRule()/hostRule() last reported (no object per call). */
  private obs = 0;
  private thr = 0;
  /**
   * Per-peer counts (packets, bytes) below which no peer rule can fire even over the shortest span,
   * and per-host counts below which no host rule can fire: the eager trigger reads these per record.
   */
  private readonly gSyn: number;
  private readonly gIcmp: number;
  private readonly gUdp: number;
  private readonly gBytes: number;
  private readonly gHostPk: number;
  private readonly gHostSyn: number;
  private readonly gHostFlows: number;
  private readonly gHostBytes: number;

  constructor(private readonly cfg: DetectionConfig) {
    const f = cfg.flood;
    const s = cfg.minRateSpanMs / 1000;
    this.gSyn = f.peerSynPps * s;
    this.gIcmp = f.peerIcmpPps * s;
    this.gUdp = Math.min(f.peerUdpPps, f.peerUdpFixedPortPps) * s;
    this.gBytes = (f.peerMbps * 1e6 * s) / 8;
    this.gHostPk = f.targetPps * s;
    this.gHostSyn = f.targetSynPps * s;
    this.gHostFlows = f.targetFlowsPerSec * s;
    this.gHostBytes = (f.targetMbps * 1e6 * s) / 8;
  }

  /**
   * Eager trigger gate, per record (small enough to be inlined): whether the peer row at word r or,
   * for a target, the counters at word c hold enough for any flood rule over the shortest span.
   */
  mayFire(f32: Float32Array, r: number, c: number, target: boolean): boolean {
    return (
      f32[r + K_SYN] >= this.gSyn ||
      f32[r + K_ICMP] >= this.gIcmp ||
      f32[r + K_UDP] >= this.gUdp ||
      f32[r + K_BYTES] >= this.gBytes ||
      (target &&
        (f32[c + C_PACKETS] >= this.gHostPk ||
          f32[c + C_SYN_PK] >= this.gHostSyn ||
          f32[c + C_FLOWS] >= this.gHostFlows ||
          f32[c + C_BYTES] >= this.gHostBytes))
    );
  }

  /**
   * Eager trigger, once mayFire() passed: how far the peer in heavy-peer row j of side t (and, for
   * a target, the whole host) is past its flood limit in the open bucket; >= 1: a rule fires now.
   * Nothing is allocated.
   */
  level(store: TrackStore, t: number, j: number, other: number, target: boolean): number {
    const f32 = store.f32;
    const r = store.row(t, j);
    let lv = 0;
    if (
      f32[r + K_SYN] >= this.gSyn ||
      f32[r + K_ICMP] >= this.gIcmp ||
      f32[r + K_UDP] >= this.gUdp ||
      f32[r + K_BYTES] >= this.gBytes
    ) {
      store.rowWords(t, j, scratch);
      const span = Math.max(this.cfg.minRateSpanMs, f32[r + K_LAST] - f32[r + K_FIRST]) / 1000;
      const rule = this.peerRule(
        store,
        other,
        store.i32[r + K_META] & 7,
        f32[r + K_PACKETS],
        f32[r + K_SYN],
        f32[r + K_UDP],
        f32[r + K_ICMP],
        f32[r + K_BYTES],
        span,
        store.topPortSpread(r),
        false,
      );
      if (rule !== 0) lv = this.obs / this.thr;
    }
    if (target) {
      const c = t * store.stride + store.oCnt;
      if (
        (f32[c + C_PACKETS] >= this.gHostPk ||
          f32[c + C_SYN_PK] >= this.gHostSyn ||
          f32[c + C_FLOWS] >= this.gHostFlows ||
          f32[c + C_BYTES] >= this.gHostBytes) &&
        this.hostRule(store, t) !== 0
      )
        lv = Math.max(lv, this.obs / this.thr);
    }
    return lv;
  }

  evaluate(
    store: TrackStore,
    t: number,
    other: number,
    role: FindingRole,
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
      scratch.set(w);
      const hit = this.peerHit(
        this.peerRule(
          store,
          other,
          family,
          pk,
          kv[r + K_SYN],
          kv[r + K_UDP],
          kv[r + K_ICMP],
          kv[r + K_BYTES],
          span,
          store.topPortSpread(r),
          skipUdp,
        ),
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

    const slotS = this.cfg.minRateSpanMs / 1000;
    const hostRule = this.hostRule(store, t);
    if (hostRule === 0) return;
    const hit: Hit =
      hostRule === HOST_PPS
        ? { subkind: '', rule: 'flood.host-pps', threshold: this.thr, observed: this.obs, unit: 'packets/s' }
        : hostRule === HOST_MBPS
          ? { subkind: '', rule: 'flood.host-mbps', threshold: this.thr, observed: this.obs, unit: 'Mbit/s' }
          : hostRule === HOST_FLOWS
            ? { subkind: '', rule: 'flood.host-flows', threshold: this.thr, observed: this.obs, unit: 'flows/s' }
            : {
                subkind: 'syn-flood',
                rule: 'flood.host-syn',
                threshold: this.thr,
                observed: this.obs,
                unit: 'half-open packets/s',
              };
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

  /**
   * Host rates: the busiest rate slot (FastNetMon's 5-s average), so background traffic in the
   * rest of the minute does not dilute a 20-second flood. Returns the rule that fires (0 none) and
   * leaves its rate and limit in obs/thr.
   */
  private hostRule(store: TrackStore, t: number): number {
    const f = this.cfg.flood;
    const cnt = store.f32;
    const c = t * store.stride + store.oCnt;
    const packets = cnt[c + C_PACKETS];
    if (!(packets > 0)) return 0;
    const slotS = this.cfg.minRateSpanMs / 1000;
    const pps = store.peak(t, 0) / slotS;
    const mbps = (pps * (cnt[c + C_BYTES] / packets) * 8) / 1e6;
    const fps = pps * (cnt[c + C_FLOWS] / packets);
    const synPps = store.peak(t, 1) / slotS;
    if (pps >= f.targetPps) return this.rule(HOST_PPS, pps, f.targetPps);
    if (mbps >= f.targetMbps) return this.rule(HOST_MBPS, mbps, f.targetMbps);
    if (fps >= f.targetFlowsPerSec) return this.rule(HOST_FLOWS, fps, f.targetFlowsPerSec);
    if (synPps >= f.targetSynPps && cnt[c + C_SYN_PK] >= f.protocolShare * cnt[c + C_TCP_PK])
      return this.rule(HOST_SYN, synPps, f.targetSynPps);
    return 0;
  }

  /**
   * The first one-peer rule the figures break (0 none), its rate and limit left in obs/thr. The
   * peer's address is in `scratch`; the reply share is looked up only for the rules that need it.
   */
  private peerRule(
    store: TrackStore,
    other: number,
    family: number,
    pk: number,
    syn: number,
    udp: number,
    icmp: number,
    bytes: number,
    span: number,
    ports: number,
    skipUdp: boolean,
  ): number {
    const f = this.cfg.flood;
    const share = f.protocolShare;
    if (syn >= share * pk && syn / span >= f.peerSynPps && ports < f.randomPorts)
      return this.rule(PEER_SYN, syn / span, f.peerSynPps);
    if (icmp >= share * pk && icmp / span >= f.peerIcmpPps) return this.rule(PEER_ICMP, icmp / span, f.peerIcmpPps);
    if (skipUdp) return 0;
    const reply = other >= 0 ? store.topUpperBound(other, scratch, 0, family) : 0;
    if (reply / pk > f.maxReplyShare) return 0;
    if (udp >= share * pk) {
      const random = ports >= f.randomPorts;
      const limit = random ? f.peerUdpPps : f.peerUdpFixedPortPps;
      if (udp / span >= limit) return this.rule(random ? PEER_UDP_RANDOM : PEER_UDP, udp / span, limit);
    }
    const mbps = (bytes * 8) / span / 1e6;
    if (mbps >= f.peerMbps) return this.rule(PEER_MBPS, mbps, f.peerMbps);
    return 0;
  }

  private rule(code: number, observed: number, threshold: number): number {
    this.obs = observed;
    this.thr = threshold;
    return code;
  }

  private peerHit(rule: number): Hit | null {
    const observed = this.obs;
    const threshold = this.thr;
    switch (rule) {
      case PEER_SYN:
        return { subkind: 'syn-flood', rule: 'flood.peer-syn', threshold, observed, unit: 'SYN-only packets/s' };
      case PEER_ICMP:
        return { subkind: 'icmp-flood', rule: 'flood.peer-icmp', threshold, observed, unit: 'ICMP packets/s' };
      case PEER_UDP_RANDOM:
      case PEER_UDP:
        return {
          subkind: 'udp-flood',
          rule: rule === PEER_UDP_RANDOM ? 'flood.peer-udp-random-ports' : 'flood.peer-udp',
          threshold,
          observed,
          unit: 'unanswered UDP packets/s',
        };
      case PEER_MBPS:
        return { subkind: 'volumetric', rule: 'flood.peer-mbps', threshold, observed, unit: 'unanswered Mbit/s' };
      default:
        return null;
    }
  }
}

const PEER_SYN = 1;
const PEER_ICMP = 2;
const PEER_UDP_RANDOM = 3;
const PEER_UDP = 4;
const PEER_MBPS = 5;
const HOST_PPS = 1;
const HOST_MBPS = 2;
const HOST_FLOWS = 3;
const HOST_SYN = 4;

/** A peer's address words for the reply lookup (one thread: never shared across calls). */
const scratch = new Uint32Array(4);
