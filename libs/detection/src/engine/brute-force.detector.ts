import type { AuthPortProfile, DetectionConfig } from './detection-config';
import {
  formatPeer,
  topPeers,
  type Detection,
  type EvalWindow,
  type MirrorTarget,
  type PeerEvidence,
} from './detection';
import { PeerTable } from './peer-table';

const F_FLOWS = 0;
const F_PACKETS = 1;
const F_BYTES = 2;
const F_RECENT = 3; // 4 recent client ports + 1 (0 = none)
const F_NEXT = 7; // where the next client port goes
const NF = 8;

/**
 * Login-attempt evidence of one VM side: per (peer, auth port), the number of new login-sized
 * sessions per bucket. A session is new when its flow carries SYN (flags known) or, without
 * flags, when its client port differs from the last four seen: an interactive session exported
 * once a minute (same 5-tuple) counts once, a tool opening a connection per attempt counts each.
 */
export class BruteForceState {
  readonly rows: PeerTable;

  constructor(maxRows: number, slots: number) {
    this.rows = new PeerTable(NF, maxRows, slots, 2);
  }

  /** syn: 1 the flow has SYN, 0 it has flags but no SYN, -1 flags unknown. Returns the row's flow count. */
  attempt(
    words: Uint32Array,
    off: number,
    family: number,
    authPort: number,
    peerVm: number,
    bucket: number,
    windowStart: number,
    clientPort: number,
    syn: number,
    packets: number,
    bytes: number,
  ): number {
    const t = this.rows;
    const row = t.upsert(words, off, family, authPort, peerVm, bucket, windowStart);
    if (row < 0) return 0;
    t.add(row, F_FLOWS, 1);
    t.add(row, F_PACKETS, packets);
    t.add(row, F_BYTES, bytes);
    let fresh: boolean;
    if (syn >= 0) fresh = syn === 1;
    else {
      const tag = clientPort + 1;
      fresh =
        t.get(row, F_RECENT) !== tag &&
        t.get(row, F_RECENT + 1) !== tag &&
        t.get(row, F_RECENT + 2) !== tag &&
        t.get(row, F_RECENT + 3) !== tag;
      if (fresh) {
        const next = t.get(row, F_NEXT);
        t.set(row, F_RECENT + next, tag);
        t.set(row, F_NEXT, (next + 1) & 3);
      }
    }
    if (fresh) t.slotAdd(row, bucket, 1);
    return t.get(row, F_FLOWS);
  }

  get entries(): number {
    return this.rows.size;
  }
}

/**
 * Brute force from flows (SSHCure, Hofstede et al. 2014: a login attempt is a short client flow of
 * a typical size), counted per target and per attacker:
 * - one-to-one: 30 sessions in 5 min between two hosts (Zeek's 30 failed logins; CrowdSec ssh-bf's
 *   leak rate of one per 10 s sustained over the window);
 * - one-to-many (VM as source): 10 targets with 10+ sessions each (SSHCure's 10 targets);
 * - many-to-one (VM as target): 20 attackers with 10+ sessions each.
 * Backups and long interactive sessions do not count: their flows are far above the packet range
 * or keep one 5-tuple.
 */
export class BruteForceDetector {
  private readonly service = new Map<number, AuthPortProfile>();

  constructor(private readonly cfg: DetectionConfig) {
    for (const p of cfg.bruteForce.ports) this.service.set(p.port, p);
  }

  evaluate(state: BruteForceState, role: 'source' | 'target', win: EvalWindow, out: Detection[]): void {
    const c = this.cfg.bruteForce;
    const t = state.rows;
    if (t.size > 32 && win.purgeBefore > -Infinity) t.purge(win.purgeBefore);
    const rows: { r: number; sessions: number }[] = [];
    for (let r = 0; r < t.capacity; r++) {
      if (!t.used(r) || t.last(r) < win.from) continue;
      const sessions = t.slotSum(r, win.from, win.to);
      if (sessions > 0) rows.push({ r, sessions });
    }
    if (rows.length === 0) return;
    rows.sort((a, b) => b.sessions - a.sessions);

    const top = rows[0];
    if (top.sessions >= c.oneToOneSessions) {
      const one = rows.filter((x) => x.sessions >= c.oneToOneSessions);
      out.push(
        this.detection(
          state,
          one,
          win,
          'brute-force.one-to-one',
          c.oneToOneSessions,
          top.sessions,
          `${top.sessions} login-sized sessions between this VM and one host in the window; threshold ${c.oneToOneSessions} (Zeek 30 failed logins; CrowdSec ssh-bf leak 1/10 s)`,
          true,
        ),
      );
      return;
    }
    const heavy = rows.filter((x) => x.sessions >= c.perTargetSessions);
    const peers = new Set(heavy.map((x) => t.peerKey(x.r) ^ (t.family(x.r) << 29)));
    const need = role === 'source' ? c.oneToManyTargets : c.manyToOneAttackers;
    if (peers.size >= need) {
      const shape = role === 'source' ? 'one-to-many' : 'many-to-one';
      out.push(
        this.detection(
          state,
          heavy,
          win,
          `brute-force.${shape}`,
          need,
          peers.size,
          `${peers.size} ${role === 'source' ? 'targets' : 'attackers'} with at least ${c.perTargetSessions} login-sized sessions each in the window; threshold ${need}`,
          role === 'source',
        ),
      );
    }
  }

  private detection(
    state: BruteForceState,
    rows: { r: number; sessions: number }[],
    win: EvalWindow,
    ruleName: string,
    threshold: number,
    observed: number,
    description: string,
    mirror: boolean,
  ): Detection {
    const t = state.rows;
    const words = new Uint32Array(4);
    const peers: PeerEvidence[] = [];
    const mirrors: MirrorTarget[] = [];
    const portCount = new Map<number, number>();
    let flows = 0;
    let packets = 0;
    let bytes = 0;
    let internal = 0;
    let first = Infinity;
    let last = -Infinity;
    for (const { r, sessions } of rows) {
      t.words(r, words);
      const p: PeerEvidence = {
        ip: formatPeer(t.family(r), words),
        flows: t.get(r, F_FLOWS),
        packets: t.get(r, F_PACKETS),
        bytes: t.get(r, F_BYTES),
        vm: t.peerVm(r),
      };
      peers.push(p);
      flows += p.flows;
      packets += p.packets;
      bytes += p.bytes;
      if (p.vm >= 0) {
        internal += p.flows;
        if (mirror) mirrors.push({ vmSlot: p.vm, peer: p });
      }
      portCount.set(t.port(r), (portCount.get(t.port(r)) ?? 0) + sessions);
      first = Math.min(first, t.first(r));
      last = Math.max(last, t.last(r));
    }
    const ports = [...portCount.entries()].sort((a, b) => b[1] - a[1]).map(([p]) => p);
    return {
      kind: 'brute-force',
      subkind: this.service.get(ports[0])?.service ?? `port-${ports[0]}`,
      ruleName,
      threshold,
      observed,
      description,
      counts: { flows, packets, bytes, distinctPeers: peers.length, distinctPorts: ports.length },
      topPeers: topPeers(peers),
      ports: ports.slice(0, 20),
      internal: internal * 2 > flows,
      firstMs: first * win.bucketMs,
      lastMs: (last + 1) * win.bucketMs,
      mirrors,
    };
  }
}
