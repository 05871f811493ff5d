import type { DetectionConfig } from './detection-config';
import { formatPeer, topPeers, type Detection, type EvalWindow, type PeerEvidence } from './detection';
import { PeerTable } from './peer-table';
import { SlidingDistinct } from './sliding-distinct';

const F_FLOWS = 0;
const F_PACKETS = 1;
const F_BYTES = 2;

/** SMTP (port 25) flows a VM sends: distinct mail servers per window, and the heaviest as evidence. */
export class SpamState {
  readonly servers: SlidingDistinct;
  readonly rows: PeerTable;

  constructor(maxRows: number, slots: number, exact: number, p: number) {
    this.servers = new SlidingDistinct(slots, exact, p, 8);
    this.rows = new PeerTable(3, maxRows, 0, 4);
  }

  flow(
    words: Uint32Array,
    off: number,
    family: number,
    key: number,
    port: number,
    peerVm: number,
    bucket: number,
    windowStart: number,
    packets: number,
    bytes: number,
  ): void {
    this.servers.add(key, bucket);
    const row = this.rows.upsert(words, off, family, port, peerVm, bucket, windowStart);
    if (row < 0) return;
    this.rows.add(row, F_FLOWS, 1);
    this.rows.add(row, F_PACKETS, packets);
    this.rows.add(row, F_BYTES, bytes);
  }

  get entries(): number {
    return this.servers.entries + this.rows.size;
  }
}

/**
 * Spam: SMTP fan-out to many distinct mail servers in the window (no published count exists; the
 * fan-out shape is the usual rule, see DetectionConfig.spam). A VM relaying through one smarthost
 * sees one server; a legitimate outbound relay needs an exception rule.
 */
export class SpamDetector {
  constructor(private readonly cfg: DetectionConfig) {}

  evaluate(state: SpamState, win: EvalWindow, out: Detection[]): void {
    const min = this.cfg.spam.minServers;
    if (state.rows.size > 32 && win.purgeBefore > -Infinity) state.rows.purge(win.purgeBefore);
    const n = state.servers.count(win.from, win.to);
    if (n < min) return;
    const t = state.rows;
    const words = new Uint32Array(4);
    const peers: PeerEvidence[] = [];
    const ports = new Set<number>();
    let flows = 0;
    let packets = 0;
    let bytes = 0;
    let internal = 0;
    for (let r = 0; r < t.capacity; r++) {
      if (!t.used(r) || t.last(r) < win.from) continue;
      t.words(r, words);
      const p = {
        ip: formatPeer(t.family(r), words),
        flows: t.get(r, F_FLOWS),
        packets: t.get(r, F_PACKETS),
        bytes: t.get(r, F_BYTES),
        vm: t.peerVm(r),
      };
      peers.push(p);
      ports.add(t.port(r));
      flows += p.flows;
      packets += p.packets;
      bytes += p.bytes;
      if (p.vm >= 0) internal += p.flows;
    }
    out.push({
      kind: 'spam',
      subkind: 'smtp-fanout',
      ruleName: 'spam.smtp-fanout',
      threshold: min,
      observed: n,
      description: `SMTP to ${n} distinct mail servers in the window; threshold ${min}`,
      counts: { flows, packets, bytes, distinctPeers: n, distinctPorts: ports.size },
      topPeers: topPeers(peers),
      ports: [...ports].sort((a, b) => a - b),
      internal: internal * 2 > flows,
      firstMs: win.from * win.bucketMs,
      lastMs: (win.to + 1) * win.bucketMs,
      mirrors: [],
    });
  }
}
