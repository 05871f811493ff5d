import type { DetectionConfig } from './detection-config';
import type { Detection, EvalWindow, PeerEvidence } from './detection';
import { SlidingDistinct } from './sliding-distinct';

const BUCKET = 0;
const PACKETS = 1;
const FLOWS = 2;
const NR = 3;

/**
 * Unsolicited TCP answers reaching one VM (target side): header-only SYN-ACKs (and resets) from
 * service ports that answer no SYN of the VM's own. Per bucket slot the packets and flows; the
 * distinct senders of SYN-ACKs (or, without TCP flags, of answers a stateful firewall denied) in a
 * SlidingDistinct, exact up to 64 and a HyperLogLog per slot past that, so a reflection from
 * millions of hosts costs a few KB. Exists only for VM sides that received such answers.
 */
export class TcpReflectionState {
  private readonly v: Float32Array;
  /** Buckets are kept relative to the first one seen (Float32 holds integers up to 2^24 exactly). */
  private base = -1;
  readonly sources: SlidingDistinct;

  constructor(
    private readonly slots: number,
    exact: number,
    p: number,
  ) {
    this.v = new Float32Array(slots * NR);
    this.sources = new SlidingDistinct(slots, exact, p, 8);
  }

  /** An unsolicited answer; `source` says whether its sender counts as a distinct reflector. */
  add(bucket: number, packets: number, peerKey: number, source: boolean): void {
    if (this.base < 0) this.base = bucket - this.slots;
    const rb = bucket - this.base;
    const s = bucket % this.slots;
    const held = this.v[s * NR + BUCKET];
    if (held > rb) return; // the slot already holds a newer bucket
    if (held !== rb) {
      this.v.fill(0, s * NR, s * NR + NR);
      this.v[s * NR + BUCKET] = rb;
    }
    this.v[s * NR + PACKETS] += packets;
    this.v[s * NR + FLOWS] += 1;
    if (source) this.sources.add(peerKey, bucket);
  }

  sum(field: number, from: number, to: number): number {
    let t = 0;
    for (let s = 0; s < this.slots; s++) {
      const rb = this.v[s * NR + BUCKET];
      const b = rb + this.base;
      if (rb > 0 && b >= from && b <= to) t += this.v[s * NR + field];
    }
    return t;
  }

  packets(from: number, to: number): number {
    return this.sum(PACKETS, from, to);
  }

  flows(from: number, to: number): number {
    return this.sum(FLOWS, from, to);
  }

  get entries(): number {
    return this.slots + this.sources.entries;
  }
}

/**
 * TCP reflection victim (Kührer et al., "Hell of a Handshake", USENIX WOOT 2014): an attacker
 * sends SYNs with the VM's address as source to many servers; each answers the VM with SYN-ACKs
 * (retransmitted up to 5 times) and resets. A host sends a SYN-ACK only in answer to a SYN, so
 * hundreds of hosts answering SYNs the VM never sent cannot be anything else. Reported as an
 * amplification victim, subkind `tcp-reflection`. Guard: a VM that probed at least as many
 * (host, port) pairs as there are unsolicited answerers may be reading answers to its own scan
 * (answers can arrive before the probe record when exporters reorder them).
 */
export class TcpReflectionDetector {
  constructor(private readonly cfg: DetectionConfig) {}

  evaluate(
    st: TcpReflectionState,
    win: EvalWindow,
    ownProbes: number,
    heavyPeers: () => PeerEvidence[],
    out: Detection[],
  ): boolean {
    const need = this.cfg.amplification.tcpReflectionMinSources;
    const { from, to } = win;
    if (st.flows(from, to) < need) return false;
    const sources = st.sources.count(from, to);
    if (sources < need || sources <= ownProbes) return false;
    const packets = st.packets(from, to);
    const flows = st.flows(from, to);
    out.push({
      kind: 'amplification',
      subkind: 'tcp-reflection',
      ruleName: 'amplification.tcp-reflection',
      threshold: need,
      observed: sources,
      description: `${sources} hosts sent SYN-ACKs or resets this VM never asked for (${Math.round(packets)} packets in ${Math.round(flows)} flows, no SYN of its own to them): its address is the spoofed source of SYNs sent to them (TCP reflection); threshold ${need} hosts`,
      counts: { flows, packets, bytes: 0, distinctPeers: sources, distinctPorts: 0 },
      topPeers: heavyPeers().slice(0, 10),
      ports: [],
      internal: false,
      firstMs: from * win.bucketMs,
      lastMs: (to + 1) * win.bucketMs,
      mirrors: [],
    });
    return true;
  }
}
