import type { DetectionConfig } from './detection-config';
import { formatPeer, topPeers, type Detection, type EvalWindow, type PeerEvidence } from './detection';
import { PeerTable } from './peer-table';

const F_FLOWS = 0;
const F_PACKETS = 1;
const F_BYTES = 2;

/** Established flows a VM opened to stratum ports, with the buckets they were seen in. */
export class StratumState {
  readonly rows: PeerTable;

  constructor(maxRows: number, slots: number) {
    this.rows = new PeerTable(3, maxRows, slots, 2);
  }

  flow(
    words: Uint32Array,
    off: number,
    family: number,
    port: number,
    peerVm: number,
    bucket: number,
    windowStart: number,
    packets: number,
    bytes: number,
  ): number {
    const t = this.rows;
    const row = t.upsert(words, off, family, port, peerVm, bucket, windowStart);
    if (row < 0) return -1;
    t.add(row, F_FLOWS, 1);
    t.add(row, F_PACKETS, packets);
    t.add(row, F_BYTES, bytes);
    t.slotAdd(row, bucket, 1);
    return row;
  }

  get entries(): number {
    return this.rows.size;
  }
}

/**
 * Mining by protocol shape when the pool is on no list: a miner keeps one connection to a pool on
 * a stratum port open for as long as it runs, exchanging small JSON-RPC lines (jobs, shares).
 * Stratum ports are shared with other software (4444, 5555, 7777), so the rule asks for that
 * shape: present in 3+ buckets of the window, small packets, and at most 3 such peers.
 */
export class MiningDetector {
  constructor(private readonly cfg: DetectionConfig) {}

  evaluate(state: StratumState, win: EvalWindow, out: Detection[]): void {
    const m = this.cfg.mining;
    const t = state.rows;
    if (t.size > 32 && win.purgeBefore > -Infinity) t.purge(win.purgeBefore);
    const words = new Uint32Array(4);
    const pools: PeerEvidence[] = [];
    const ports = new Set<number>();
    let live = 0;
    let first = Infinity;
    let last = -Infinity;
    let bestBuckets = 0;
    for (let r = 0; r < t.capacity; r++) {
      if (!t.used(r) || t.last(r) < win.from) continue;
      live++;
      const active = t.slotsActive(r, win.from, win.to);
      const pk = t.get(r, F_PACKETS);
      if (active < m.minBuckets || pk <= 0 || t.get(r, F_BYTES) / pk > m.maxAvgPacketBytes) continue;
      t.words(r, words);
      pools.push({
        ip: formatPeer(t.family(r), words),
        flows: t.get(r, F_FLOWS),
        packets: pk,
        bytes: t.get(r, F_BYTES),
        vm: t.peerVm(r),
      });
      ports.add(t.port(r));
      bestBuckets = Math.max(bestBuckets, active);
      first = Math.min(first, t.first(r));
      last = Math.max(last, t.last(r));
    }
    if (pools.length === 0 || live > m.maxPools) return;
    out.push({
      kind: 'mining',
      subkind: 'stratum',
      ruleName: 'mining.stratum',
      threshold: m.minBuckets,
      observed: bestBuckets,
      description: `persistent connection(s) with small messages to ${pools.length} host(s) on stratum port(s) ${[...ports].join(', ')}, present in ${bestBuckets} buckets of the window`,
      counts: {
        flows: pools.reduce((s, p) => s + p.flows, 0),
        packets: pools.reduce((s, p) => s + p.packets, 0),
        bytes: pools.reduce((s, p) => s + p.bytes, 0),
        distinctPeers: pools.length,
        distinctPorts: ports.size,
      },
      topPeers: topPeers(pools),
      ports: [...ports].sort((a, b) => a - b),
      internal: pools.some((p) => p.vm >= 0),
      firstMs: first * win.bucketMs,
      lastMs: (last + 1) * win.bucketMs,
      mirrors: [],
    });
  }
}
