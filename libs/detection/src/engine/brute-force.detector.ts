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
import { SlidingDistinct } from './sliding-distinct';

const F_FLOWS = 0;
const F_PACKETS = 1;
const F_BYTES = 2;
const F_RECENT = 3; // 4 recent client ports + 1 (0 = none)
const F_NEXT = 7; // where the next client port goes
const F_LAST_TAG = 8; // client port + 1 of the newest session (its later records add to its size)
const F_SIZE_NEXT = 9; // where the next session size goes
const F_SIZES = 10; // ring of the newest sessions: (bucket & 0xffff) * 256 + min(packets, 255)
/**
 * Session sizes kept per row: enough to judge the alike-session rule (10 sessions, 2 outliers
 * allowed). Packed into one Float32 each (24 exact bits: 16 for the bucket modulo 65536, 8 for
 * the size), so the ring costs 12 words a row.
 */
export const SIZE_RING = 12;
const NF = F_SIZES + SIZE_RING;

/**
 * Login-attempt evidence of one VM side: per (peer, auth port), the number of new login-sized
 * sessions per bucket. A session is new when its flow carries SYN (flags known) or, without
 * flags, when its client port differs from the last four seen: an interactive session exported
 * once a minute (same 5-tuple) counts once, a tool opening a connection per attempt counts each.
 */
export class BruteForceState {
  readonly rows: PeerTable;
  /** Row of the last attempt() and whether it started a new session (read by the eager trigger). */
  lastRow = -1;
  lastFresh = false;

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
    this.lastRow = row;
    this.lastFresh = false;
    if (row < 0) return 0;
    t.add(row, F_FLOWS, 1);
    t.add(row, F_PACKETS, packets);
    t.add(row, F_BYTES, bytes);
    let fresh: boolean;
    const tag = clientPort + 1;
    if (syn >= 0) fresh = syn === 1;
    else {
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
    if (fresh) {
      this.lastFresh = true;
      t.slotAdd(row, bucket, 1);
      const next = t.get(row, F_SIZE_NEXT);
      t.set(row, F_SIZES + next, (bucket & 0xffff) * 256 + Math.max(1, Math.min(255, Math.round(packets))));
      t.set(row, F_SIZE_NEXT, next + 1 === SIZE_RING ? 0 : next + 1);
      t.set(row, F_LAST_TAG, tag);
    } else if (t.get(row, F_LAST_TAG) === tag) {
      // A later record of the newest session (NetFlow active timeout, cloud minute): same attempt.
      const at = F_SIZES + ((t.get(row, F_SIZE_NEXT) + SIZE_RING - 1) % SIZE_RING);
      const v = t.get(row, at);
      if (v % 256 < 255) t.set(row, at, v - (v % 256) + Math.min(255, (v % 256) + Math.round(packets)));
    }
    return t.get(row, F_FLOWS);
  }

  /**
   * Sizes (client packets) of the row's newest sessions that started in [from, to], with their
   * buckets; at most SIZE_RING of them.
   */
  sessionSizes(row: number, from: number, to: number): { size: number; bucket: number }[] {
    const t = this.rows;
    const out: { size: number; bucket: number }[] = [];
    const span = to - from;
    for (let j = 0; j < SIZE_RING; j++) {
      const v = t.get(row, F_SIZES + j);
      if (v === 0) continue;
      const age = (to - Math.floor(v / 256)) & 0xffff;
      if (age > span) continue;
      out.push({ size: v % 256, bucket: to - age });
    }
    return out;
  }

  get entries(): number {
    return this.rows.size;
  }
}

/** Login services followed per VM target side by the distributed rule (a VM runs a few). */
export const LOGIN_SERVICE_PORTS = 6;
/**
 * (peer, auth port) rows a target side holds before its LoginServiceState is made: far under the
 * distributed rule's 50 sources (the few sessions before it are not counted), and above what a VM
 * whose few admins and jobs log in ever holds, so those sides carry no state.
 */
export const LOGIN_STATE_FROM_PEERS = 8;

/**
 * Target-side sessions to the VM's login services from all sources together, for the distributed
 * rule: per service port and bucket, new login-sized sessions and new longer sessions (a login that
 * went on to do work), and the distinct sources of the login-sized ones. Bounded whatever the
 * traffic: LOGIN_SERVICE_PORTS ports, `slots` buckets, and per port a SlidingDistinct (exact up to
 * `exactDistinct` sources, then one HyperLogLog per slot).
 */
export class LoginServiceState {
  readonly ports = new Int32Array(LOGIN_SERVICE_PORTS).fill(-1);
  /**
   * [(port index * slots + slot) * 3 + field]: login-sized sessions, longer ones, packets of the
   * former; grown by one port's part when a port is added (most sides see one service).
   */
  private counts: Float32Array;
  private readonly slotBucket: Int32Array;
  readonly sources: (SlidingDistinct | undefined)[] = [];
  /** Sessions of ports beyond LOGIN_SERVICE_PORTS (not followed). */
  dropped = 0;

  constructor(
    private readonly slots: number,
    private readonly exactDistinct: number,
    private readonly hllPrecision: number,
  ) {
    this.counts = new Float32Array(slots * 3);
    this.slotBucket = new Int32Array(slots).fill(-1);
  }

  /** A new session to `port`: login-sized (`short`, with the source's key) or longer. */
  session(port: number, bucket: number, short: boolean, key: number, packets: number): void {
    const ports = this.ports;
    let p = 0;
    while (p < LOGIN_SERVICE_PORTS && ports[p] !== port) {
      if (ports[p] < 0) {
        ports[p] = port;
        if (p > 0) {
          const grown = new Float32Array((p + 1) * this.slots * 3);
          grown.set(this.counts);
          this.counts = grown;
        }
        break;
      }
      p++;
    }
    if (p === LOGIN_SERVICE_PORTS) {
      this.dropped++;
      return;
    }
    const s = bucket % this.slots;
    const c = this.counts;
    if (this.slotBucket[s] !== bucket) {
      if (this.slotBucket[s] > bucket) return; // older than the ring: too late to count
      for (let at = s * 3; at < c.length; at += this.slots * 3) c.fill(0, at, at + 3);
      this.slotBucket[s] = bucket;
    }
    const at = (p * this.slots + s) * 3;
    if (!short) {
      c[at + 1]++;
      return;
    }
    c[at]++;
    c[at + 2] += packets;
    let d = this.sources[p];
    if (!d) d = this.sources[p] = new SlidingDistinct(this.slots, this.exactDistinct, this.hllPrecision);
    d.add(key, bucket);
  }

  /** Sums of port index p over buckets [from, to]: login-sized sessions, longer ones, packets of the former. */
  sums(p: number, from: number, to: number): { short: number; long: number; packets: number } {
    let short = 0;
    let long = 0;
    let packets = 0;
    for (let s = 0; s < this.slots; s++) {
      const b = this.slotBucket[s];
      if (b < from || b > to) continue;
      const at = (p * this.slots + s) * 3;
      short += this.counts[at];
      long += this.counts[at + 1];
      packets += this.counts[at + 2];
    }
    return { short, long, packets };
  }

  get entries(): number {
    let n = 0;
    for (const d of this.sources) if (d) n += d.entries;
    return n;
  }
}

/**
 * Brute force from flows (SSHCure, Hofstede et al. 2014: a login attempt is a short client flow of
 * a typical size), counted per target and per attacker:
 * - one-to-one: 30 sessions in 5 min between two hosts (Zeek's 30 failed logins; CrowdSec ssh-bf's
 *   leak rate of one per 10 s sustained over the window);
 * - one-to-one, alike (ports whose profile says `alike`, SSH): 10 sessions (CrowdSec ssh-slow-bf's
 *   capacity; fail2ban bans at 5) that look like one tool repeating one attempt: at least 80% of
 *   them within 5 packets of their median size (SSHCure: the attack's flows keep one size, a
 *   deviation of 5 marks something else) and 10 of those alike sessions inside two adjacent
 *   buckets (a tool starts its guesses back to back; periodic jobs log in a few times a minute at
 *   most, and people and automation doing real work open sessions of varied sizes);
 * - one-to-many (VM as source): 10 targets with 10+ sessions each (SSHCure's 10 targets);
 * - many-to-one (VM as target): 20 attackers with 10+ sessions each.
 * Backups and long interactive sessions do not count: their flows are far above the packet range
 * or keep one 5-tuple.
 */
export class BruteForceDetector {
  private readonly service = new Map<number, AuthPortProfile>();
  private readonly alikePorts = new Set<number>();

  constructor(private readonly cfg: DetectionConfig) {
    for (const p of cfg.bruteForce.ports) {
      this.service.set(p.port, p);
      if (p.alike) this.alikePorts.add(p.port);
    }
  }

  /**
   * The alike-session test of one (peer, port) row: its newest sessions in the window are mostly
   * of one size and enough of those fall into `alikeBuckets` adjacent buckets. Null when not.
   */
  private alike(
    state: BruteForceState,
    row: number,
    win: EvalWindow,
  ): { n: number; alike: number; median: number; burst: number } | null {
    const c = this.cfg.bruteForce;
    const s = state.sessionSizes(row, win.from, win.to);
    if (s.length < c.alikeSessions) return null;
    const sorted = s.map((x) => x.size).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const near = s.filter((x) => Math.abs(x.size - median) <= c.alikePackets);
    if (near.length < c.alikeShare * s.length) return null;
    let burst = 0;
    for (let b = win.from; b <= win.to; b++) {
      let n = 0;
      for (const x of near) if (x.bucket >= b && x.bucket < b + c.alikeBuckets) n++;
      if (n > burst) burst = n;
    }
    if (burst < c.alikeSessions) return null;
    return { n: s.length, alike: near.length, median, burst };
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
    // The alike share can still fall when the rest of an open bucket brings sessions of other
    // sizes: judged on whole buckets only.
    for (const x of rows) {
      if (win.eager || x.sessions < c.alikeSessions) break;
      if (!this.alikePorts.has(t.port(x.r))) continue;
      const alike = this.alike(state, x.r, win);
      if (alike === null) continue;
      out.push(
        this.detection(
          state,
          [x],
          win,
          'brute-force.one-to-one-alike',
          c.alikeSessions,
          alike.burst,
          `${alike.burst} login-sized sessions of near-equal size (${alike.alike} of ${alike.n} within ${c.alikePackets} packets of the median ${alike.median}) between this VM and one host within ${c.alikeBuckets} min; threshold ${c.alikeSessions} (CrowdSec ssh-slow-bf 10; SSHCure attempt size)`,
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

  /**
   * Distributed brute force against one service of this VM (target side): many sources, each with
   * too few attempts for a per-source rule, whose sessions together are mostly login-sized. Evidence:
   * distinct sources, login-sized sessions, their share of all sessions (the failure share: a login
   * that succeeds goes on into a longer session) and the sources with most sessions. Judged on whole
   * buckets only (the share can still fall when the rest of an open bucket arrives).
   */
  evaluateDistributed(
    ls: LoginServiceState,
    state: BruteForceState | undefined,
    win: EvalWindow,
    out: Detection[],
  ): void {
    if (win.eager || !state) return;
    for (const d of out) if (d.kind === 'brute-force') return; // a per-source rule already names it
    const c = this.cfg.bruteForce;
    let best = -1;
    let bestSources = 0;
    let bestShort = 0;
    let bestLong = 0;
    let bestPackets = 0;
    for (let p = 0; p < LOGIN_SERVICE_PORTS && ls.ports[p] >= 0; p++) {
      const s = ls.sums(p, win.from, win.to);
      if (s.short < c.distributedSessions || s.short < c.distributedShortShare * (s.short + s.long)) continue;
      const sources = ls.sources[p]?.count(win.from, win.to) ?? 0;
      if (sources < c.distributedSources || sources <= bestSources) continue;
      best = p;
      bestSources = sources;
      bestShort = s.short;
      bestLong = s.long;
      bestPackets = s.packets;
    }
    if (best < 0) return;
    const port = ls.ports[best];
    const t = state.rows;
    const rows: { r: number; sessions: number }[] = [];
    for (let r = 0; r < t.capacity; r++) {
      if (!t.used(r) || t.port(r) !== port || t.last(r) < win.from) continue;
      const sessions = t.slotSum(r, win.from, win.to);
      if (sessions > 0) rows.push({ r, sessions });
    }
    if (rows.length === 0) return;
    const share = bestShort / (bestShort + bestLong);
    const pct = Math.round(share * 1000) / 10;
    const d = this.detection(
      state,
      rows,
      win,
      'brute-force.distributed',
      c.distributedSources,
      bestSources,
      `${bestSources} distinct sources opened ${bestShort} login-sized sessions to port ${port} in the window (${pct}% of its ${bestShort + bestLong} sessions; failure share, a successful login goes on into a longer session; ${Math.round(bestPackets / bestShort)} client packets each on average); thresholds ${c.distributedSources} sources, ${c.distributedSessions} sessions, ${c.distributedShortShare * 100}% login-sized`,
      false,
    );
    d.counts.distinctPeers = bestSources;
    d.counts.distinctPorts = 1;
    d.ports = [port];
    d.subkind = this.service.get(port)?.service ?? `port-${port}`;
    out.push(d);
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
