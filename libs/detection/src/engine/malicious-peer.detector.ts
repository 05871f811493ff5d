import type { FindingRole } from '@sg/queues/finding-vocabulary';
import type { DetectionConfig } from './detection-config';
import { formatPeer, topPeers, type Detection, type EvalWindow, type PeerEvidence } from './detection';
import { PeerTable } from './peer-table';
import type { ThreatIntel } from './threat-intel';

const F_FLOWS = 0;
const F_PACKETS = 1;
const F_BYTES = 2;
const F_MASK = 3; // category bit mask (< 2^24, exact in Float32 for up to 24 categories)
const NF = 4;

/** Flows of one VM side with listed peers, filed under the side of the connection's initiator. */
export class ThreatHitState {
  readonly rows: PeerTable;
  /** Flows with listed peers ever filed here (an upper bound of the window's, for the eager trigger). */
  flows = 0;

  constructor(maxRows: number) {
    this.rows = new PeerTable(NF, maxRows, 0, 2);
  }

  hit(
    words: Uint32Array,
    off: number,
    family: number,
    port: number,
    peerVm: number,
    bucket: number,
    windowStart: number,
    mask: number,
    packets: number,
    bytes: number,
  ): void {
    const t = this.rows;
    const row = t.upsert(words, off, family, port, peerVm, bucket, windowStart);
    if (row < 0) return;
    this.flows++;
    t.add(row, F_FLOWS, 1);
    t.add(row, F_PACKETS, packets);
    t.add(row, F_BYTES, bytes);
    t.set(row, F_MASK, (t.get(row, F_MASK) | mask) & 0xffffff);
  }

  get entries(): number {
    return this.rows.size;
  }
}

/**
 * Malicious peers: traffic with addresses on threat-intelligence lists. As source the VM opened
 * the connections (beaconing to a C2, talking to a DROP network); as target a listed address
 * connected to the VM and was let in. Hits in the mining category are reported as kind `mining`
 * (VM as source only: a pool does not connect to miners).
 */
export class MaliciousPeerDetector {
  constructor(private readonly cfg: DetectionConfig) {}

  evaluate(state: ThreatHitState, intel: ThreatIntel, role: FindingRole, win: EvalWindow, out: Detection[]): void {
    const t = state.rows;
    if (t.size > 32 && win.purgeBefore > -Infinity) t.purge(win.purgeBefore);
    const miningBit = intel.categoryBit(this.cfg.mining.category);
    const words = new Uint32Array(4);
    const bad: PeerEvidence[] = [];
    const pools: PeerEvidence[] = [];
    const badPorts = new Set<number>();
    const poolPorts = new Set<number>();
    let badMask = 0;
    let first = Infinity;
    let last = -Infinity;
    for (let r = 0; r < t.capacity; r++) {
      if (!t.used(r) || t.last(r) < win.from) continue;
      const mask = t.get(r, F_MASK);
      t.words(r, words);
      const p: PeerEvidence = {
        ip: formatPeer(t.family(r), words),
        flows: t.get(r, F_FLOWS),
        packets: t.get(r, F_PACKETS),
        bytes: t.get(r, F_BYTES),
        vm: t.peerVm(r),
      };
      if (miningBit && mask & miningBit) {
        if (role === 'source') {
          pools.push(p);
          poolPorts.add(t.port(r));
        }
      }
      const other = mask & ~miningBit;
      if (other) {
        bad.push(p);
        badPorts.add(t.port(r));
        badMask |= other;
      }
      first = Math.min(first, t.first(r));
      last = Math.max(last, t.last(r));
    }
    const min = this.cfg.maliciousPeer.minFlows;
    const flowsOf = (ps: PeerEvidence[]) => ps.reduce((s, p) => s + p.flows, 0);
    const sum = (ps: PeerEvidence[], k: 'packets' | 'bytes') => ps.reduce((s, p) => s + p[k], 0);
    if (bad.length > 0 && flowsOf(bad) >= min) {
      const names = intel.categoryNames(badMask);
      const order = this.cfg.maliciousPeer.categoryOrder;
      names.sort((a, b) => rank(order, a) - rank(order, b));
      out.push({
        kind: 'malicious-peer',
        subkind: names[0] ?? 'listed',
        ruleName: 'malicious-peer.listed',
        threshold: min,
        observed: flowsOf(bad),
        description: `${flowsOf(bad)} flows with ${bad.length} listed peer(s) (${names.join(', ')}) ${role === 'source' ? 'opened by this VM' : 'accepted by this VM'}`,
        counts: {
          flows: flowsOf(bad),
          packets: sum(bad, 'packets'),
          bytes: sum(bad, 'bytes'),
          distinctPeers: bad.length,
          distinctPorts: badPorts.size,
        },
        topPeers: topPeers(bad),
        ports: [...badPorts].sort((a, b) => a - b).slice(0, 20),
        internal: false,
        firstMs: first * win.bucketMs,
        lastMs: (last + 1) * win.bucketMs,
        mirrors: [],
      });
    }
    if (pools.length > 0 && flowsOf(pools) >= min) {
      out.push({
        kind: 'mining',
        subkind: 'pool-list',
        ruleName: 'mining.listed-pool',
        threshold: min,
        observed: flowsOf(pools),
        description: `${flowsOf(pools)} flows to ${pools.length} address(es) on the ${this.cfg.mining.category} list`,
        counts: {
          flows: flowsOf(pools),
          packets: sum(pools, 'packets'),
          bytes: sum(pools, 'bytes'),
          distinctPeers: pools.length,
          distinctPorts: poolPorts.size,
        },
        topPeers: topPeers(pools),
        ports: [...poolPorts].sort((a, b) => a - b).slice(0, 20),
        internal: false,
        firstMs: first * win.bucketMs,
        lastMs: (last + 1) * win.bucketMs,
        mirrors: [],
      });
    }
  }
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}
