import type { FindingRole } from '@sg/queues/finding-vocabulary';
import type { DetectionConfig } from './detection-config';
import {
  formatPeer,
  topPeers,
  type Detection,
  type EvalWindow,
  type MirrorTarget,
  type PeerEvidence,
} from './detection';
import { fmix32, pairHash } from './hash';
import { PeerTable } from './peer-table';
import type { RecentPairs } from './recent-pairs';

/** Pseudo-port under which ICMP echo probes are kept (ports are 0..65535). */
export const ICMP_ECHO_PORT = 65536;

const F_FLOWS = 0;
const F_PACKETS = 1;
const F_BYTES = 2;
const F_BUCKETS = 3; // buckets in which the pair failed
const F_LAST_FAIL = 4; // bucket - first + 1, 0 = never (Float32 cannot hold absolute bucket numbers)
const F_LAST_OK = 5;
const NF = 6;
const FAIL_PORTS = 8;
/** Hash groups of the eager trigger's fresh-pair counters, by port and by peer. */
const TRIG_GROUPS = 16;
/** Pairs a side holds before it keeps trigger counters (fewer cannot reach a scan threshold soon). */
const TRIG_FROM = 8;

/** What makes a side worth an eager look: fresh failed pairs on one port / with one peer. */
export interface ScanTrigger {
  /** Horizontal threshold (0: the side is never judged horizontally). */
  hosts: number;
  /** Vertical threshold. */
  ports: number;
  /** Bucket slots kept (window + lateness + 1). */
  slots: number;
}

/**
 * Scan evidence of one VM side: the (peer, port) pairs it probed (source) or was probed on
 * (target), with failures and successes. A pair counts as failed when it saw probe-like flows and
 * no sign of an answer in the window, as Zeek counts "failed connections".
 */
export class PortScanState {
  readonly pairs: PeerTable;
  /** Ports with recent failures: successes on them are kept too, for the TRW ratio. */
  /**
   * Per fail port: port (-1 none), newest failure bucket, new failed pairs since it entered the
   * list (the port's successes are kept only past a few of those).
   */
  private readonly failPorts = new Int32Array(FAIL_PORTS * 3).fill(-1);
  /**
   * Eager trigger, per bucket slot: new failed pairs by port group, then by peer group (hashed, so
   * an upper bound of any one port's or peer's count). Pairs that fail again later keep counting in
   * the bucket they first failed in, so a monitor re-testing its hosts never triggers; a scanner,
   * which moves on to new pairs, does. Exists only once the side holds TRIG_FROM pairs.
   */
  private trig: Uint16Array | null = null;
  private trigBucket: Int32Array | null = null;

  /**
   * @param keepPortSuccesses record answered hosts on ports with failures (source sides, for the
   *   horizontal TRW ratio); target sides only need successes of pairs already known.
   * @param trwFrom failed pairs a port needs before its successes are kept (no cost for the odd failure).
   * @param trigger thresholds for probe()'s eager-trigger level; without it probe() returns 0.
   */
  constructor(
    maxPairs: number,
    private readonly keepPortSuccesses: boolean,
    private readonly trwFrom: number,
    private readonly trigger?: ScanTrigger,
  ) {
    this.pairs = new PeerTable(NF, maxPairs, 0, 4);
  }

  probe(
    words: Uint32Array,
    off: number,
    family: number,
    port: number,
    peerVm: number,
    bucket: number,
    windowStart: number,
    packets: number,
    bytes: number,
    peerKey = 0,
    horizontal = false,
  ): number {
    const t = this.pairs;
    const size = t.size;
    const row = t.upsert(words, off, family, port, peerVm, bucket, windowStart);
    if (row < 0) return 0;
    const fresh = t.size > size || t.get(row, F_FLOWS) === 0;
    const rel = bucket - t.first(row) + 1;
    const lf = t.get(row, F_LAST_FAIL);
    if (lf !== rel) {
      if (rel > lf) t.set(row, F_LAST_FAIL, rel);
      t.add(row, F_BUCKETS, 1);
    }
    t.add(row, F_FLOWS, 1);
    t.add(row, F_PACKETS, packets);
    t.add(row, F_BYTES, bytes);
    this.noteFailPort(port, bucket, fresh);
    return fresh && this.trigger !== undefined ? this.freshPair(bucket, windowStart, port, peerKey, horizontal) : 0;
  }

  /** Counts a new failed pair for the eager trigger (apart from probe(), which stays small). */
  private freshPair(bucket: number, windowStart: number, port: number, peerKey: number, horizontal: boolean): number {
    if (this.trig === null) {
      if (this.pairs.size < TRIG_FROM) return 0;
      this.seedTrigger((this.trigger as ScanTrigger).slots);
    } else this.trigAdd(bucket, port, peerKey, horizontal);
    return this.trigLevel(windowStart, port, peerKey, horizontal);
  }

  /**
   * How far the record's port group (horizontal) or peer group (vertical) is past its threshold,
   * counting new failed pairs in the window; >= 1: a scan rule may fire now.
   */
  private trigLevel(windowStart: number, port: number, peerKey: number, horizontal: boolean): number {
    const tr = this.trig as Uint16Array;
    const tb = this.trigBucket as Int32Array;
    const hp = group(port);
    const pp = TRIG_GROUPS + group(peerKey);
    let h = 0;
    let v = 0;
    for (let s = 0; s < tb.length; s++) {
      if (tb[s] < windowStart) continue;
      h += tr[s * 2 * TRIG_GROUPS + hp];
      v += tr[s * 2 * TRIG_GROUPS + pp];
    }
    const trig = this.trigger as ScanTrigger;
    return Math.max(horizontal && trig.hosts > 0 ? h / trig.hosts : 0, v / trig.ports);
  }

  private trigAdd(bucket: number, port: number, peerKey: number, horizontal: boolean): void {
    const tr = this.trig as Uint16Array;
    const tb = this.trigBucket as Int32Array;
    const s = bucket % tb.length;
    const at = s * 2 * TRIG_GROUPS;
    if (tb[s] !== bucket) {
      if (tb[s] > bucket) return; // older than the ring
      tr.fill(0, at, at + 2 * TRIG_GROUPS);
      tb[s] = bucket;
    }
    if (horizontal) {
      const h = at + group(port);
      if (tr[h] < 65535) tr[h]++;
    }
    const p = at + TRIG_GROUPS + group(peerKey);
    if (tr[p] < 65535) tr[p]++;
  }

  /** Creates the trigger counters from the pairs held so far, each at its newest failure. */
  private seedTrigger(slots: number): void {
    this.trig = new Uint16Array(slots * 2 * TRIG_GROUPS);
    this.trigBucket = new Int32Array(slots).fill(-1);
    const t = this.pairs;
    const horizontal = this.keepPortSuccesses;
    for (let r = 0; r < t.capacity; r++) {
      const lf = t.get(r, F_LAST_FAIL);
      if (!t.used(r) || !(lf > 0)) continue;
      this.trigAdd(t.first(r) + lf - 1, t.port(r), t.peerKey(r), horizontal);
    }
  }

  /**
   * An answer or an established flow on (peer, port). Only known pairs, or pairs on a port that
   * has failures (their hosts count as TRW successes), are recorded, so a busy server's
   * ordinary traffic costs no rows.
   */
  success(
    words: Uint32Array,
    off: number,
    family: number,
    port: number,
    peerVm: number,
    bucket: number,
    windowStart: number,
    mayHaveRows: boolean,
  ): void {
    if (!mayHaveRows && (!this.keepPortSuccesses || !this.portFailing(port, windowStart))) return;
    const t = this.pairs;
    let row = mayHaveRows ? t.find(words, off, family, port) : -1;
    if (row < 0) {
      if (!this.keepPortSuccesses || !this.portFailing(port, windowStart)) return;
      row = t.upsert(words, off, family, port, peerVm, bucket, windowStart);
      if (row < 0) return;
    } else if (t.last(row) < bucket) {
      row = t.upsert(words, off, family, port, peerVm, bucket, windowStart);
    }
    const rel = bucket - t.first(row) + 1;
    if (rel > t.get(row, F_LAST_OK)) t.set(row, F_LAST_OK, rel);
  }

  get entries(): number {
    return this.pairs.size;
  }

  /** Drops rows idle since `from`. */
  purge(from: number): void {
    this.pairs.purge(from);
  }

  /** Calls fn with the address key of every row (to rebuild the side's probe filter). */
  forEachPeerKey(fn: (key: number) => void): void {
    const t = this.pairs;
    for (let r = 0; r < t.capacity; r++) if (t.used(r)) fn(t.peerKey(r));
  }

  private noteFailPort(port: number, bucket: number, fresh: boolean): void {
    const f = this.failPorts;
    let oldest = 0;
    for (let j = 0; j < FAIL_PORTS * 3; j += 3) {
      if (f[j] === port) {
        f[j + 1] = bucket;
        if (fresh) f[j + 2]++;
        return;
      }
      if (f[j + 1] < f[oldest + 1]) oldest = j;
    }
    f[oldest] = port;
    f[oldest + 1] = bucket;
    f[oldest + 2] = 1;
  }

  /**
   * Newest failure bucket among ports with enough failed pairs that their successes are kept
   * (0: none). The engine keeps it beside the side's track, so answers on a side that keeps no
   * successes skip this state without touching it.
   */
  keepingSuccessesUntil(): number {
    const f = this.failPorts;
    let newest = 0;
    for (let j = 0; j < FAIL_PORTS * 3; j += 3)
      if (f[j] >= 0 && f[j + 2] >= this.trwFrom && f[j + 1] > newest) newest = f[j + 1];
    return newest;
  }

  private portFailing(port: number, windowStart: number): boolean {
    const f = this.failPorts;
    for (let j = 0; j < FAIL_PORTS * 3; j += 3)
      if (f[j] === port && f[j + 1] >= windowStart) return f[j + 2] >= this.trwFrom;
    return false;
  }
}

interface Group {
  failed: number;
  ok: number;
  flows: number;
  packets: number;
  bytes: number;
  buckets: number;
  first: number;
  last: number;
  rows: number[];
}

const words = new Uint32Array(4);

/**
 * Zeek scan policy thresholds (25 hosts on one port = horizontal, 15 ports on one host =
 * vertical, 5 min) on failed pairs only, with two guards against benign fan-out:
 * - TRW (Jung et al. 2004): failures minus successes among the contacted hosts/ports must reach
 *   4 (likelihood ratio 4^4 = 256 > 99); a proxy whose connections mostly succeed never does.
 * - periodic re-checks: when failed pairs fail in 3+ buckets on average, a monitor is re-testing
 *   known hosts; scanners move on to new ones.
 */
export class PortScanDetector {
  constructor(private readonly cfg: DetectionConfig) {}

  evaluate(
    state: PortScanState,
    role: FindingRole,
    win: EvalWindow,
    out: Detection[],
    known?: RecentPairs,
    track = -1,
  ): void {
    const c = this.cfg.portScan;
    const t = state.pairs;
    if (t.size > 32 && win.purgeBefore > -Infinity) state.purge(win.purgeBefore);
    if (t.size < Math.min(c.verticalPorts, role === 'source' ? c.horizontalHosts : Infinity)) return;

    const byPort = new Map<number, Group>();
    const byPeer = new Map<number, Group>();
    for (let r = 0; r < t.capacity; r++) {
      if (!t.used(r) || t.last(r) < win.from) continue;
      const first = t.first(r);
      const lf = t.get(r, F_LAST_FAIL);
      const lo = t.get(r, F_LAST_OK);
      const lastFail = lf > 0 ? first + lf - 1 : -1;
      // A pair reached successfully in the last window or two is no first contact (TRW).
      const ok =
        (lo > 0 && first + lo - 1 >= win.from) ||
        (known !== undefined && known.has(track, pairHash(t.peerKey(r), t.port(r))));
      const failed = lastFail >= win.from && !ok;
      if (!failed && !ok) continue;
      const port = t.port(r);
      if (role === 'source') add(byPort, port, r, failed, ok, t, first, lastFail);
      add(byPeer, t.peerKey(r) ^ (t.family(r) << 29), r, failed, ok, t, first, lastFail);
    }

    const trw = c.trwNetFailures;
    const periodic = c.periodicBuckets;
    let best: Group | null = null;
    let bestPort = -1;
    for (const [port, g] of byPort) {
      // Fan-out to mail servers is judged by the spam rule, which counts refused attempts too.
      if (this.cfg.spam.ports.includes(port)) continue;
      if (g.failed < c.horizontalHosts || g.failed - g.ok < trw || g.buckets / g.failed >= periodic) continue;
      if (!best || g.failed > best.failed) {
        best = g;
        bestPort = port;
      }
    }
    if (best) out.push(this.horizontal(state, best, bestPort, win, known, track));

    const vertical: Group[] = [];
    for (const g of byPeer.values()) {
      if (g.failed < c.verticalPorts || g.failed - g.ok < trw || g.buckets / g.failed >= periodic) continue;
      vertical.push(g);
    }
    if (vertical.length > 0) out.push(this.vertical(state, vertical, win, known, track));
  }

  private horizontal(
    state: PortScanState,
    g: Group,
    port: number,
    win: EvalWindow,
    known: RecentPairs | undefined,
    track: number,
  ): Detection {
    const t = state.pairs;
    const peers: PeerEvidence[] = [];
    let internal = 0;
    for (const r of g.rows) {
      if (!isFailed(t, r, win.from, known, track)) continue;
      const p = evidence(t, r);
      peers.push(p);
      if (p.vm >= 0) internal++;
    }
    const what = port === ICMP_ECHO_PORT ? 'ICMP echo' : `port ${port}`;
    return {
      kind: 'port-scan',
      subkind: 'horizontal',
      ruleName: 'port-scan.horizontal',
      threshold: this.cfg.portScan.horizontalHosts,
      observed: g.failed,
      description: `${g.failed} hosts with failed or unanswered connections on ${what} (${g.ok} answered${internal > 0 ? `; ${internal} of them our VMs` : ''}); Zeek scan policy: ${this.cfg.portScan.horizontalHosts} hosts on one port in 5 min`,
      counts: { flows: g.flows, packets: g.packets, bytes: g.bytes, distinctPeers: g.failed, distinctPorts: 1 },
      topPeers: topPeers(peers),
      ports: [port === ICMP_ECHO_PORT ? 0 : port],
      internal: internal * 2 > g.failed,
      firstMs: g.first * win.bucketMs,
      lastMs: (g.last + 1) * win.bucketMs,
      // A sweep's victims stay in this (source) finding's evidence: a probe or two is no attack
      // on a VM of its own. A VM gets a target finding only where the traffic against it alone
      // crosses a rule (the vertical rule, with its mirror, or its own target side's rules).
      mirrors: [],
    };
  }

  private vertical(
    state: PortScanState,
    groups: Group[],
    win: EvalWindow,
    known: RecentPairs | undefined,
    track: number,
  ): Detection {
    const t = state.pairs;
    groups.sort((a, b) => b.failed - a.failed);
    const top = groups[0];
    const peers: PeerEvidence[] = [];
    const mirrors: MirrorTarget[] = [];
    let flows = 0;
    let packets = 0;
    let bytes = 0;
    let first = Infinity;
    let last = -Infinity;
    let internal = 0;
    for (const g of groups) {
      const p = evidence(t, g.rows[0]);
      p.flows = g.flows;
      p.packets = g.packets;
      p.bytes = g.bytes;
      peers.push(p);
      flows += g.flows;
      packets += g.packets;
      bytes += g.bytes;
      first = Math.min(first, g.first);
      last = Math.max(last, g.last);
      if (p.vm >= 0) {
        internal += g.flows;
        mirrors.push({ vmSlot: p.vm, peer: p });
      }
    }
    const ports: number[] = [];
    for (const r of top.rows)
      if (isFailed(t, r, win.from, known, track)) ports.push(t.port(r) === ICMP_ECHO_PORT ? 0 : t.port(r));
    ports.sort((a, b) => a - b);
    return {
      kind: 'port-scan',
      subkind: 'vertical',
      ruleName: 'port-scan.vertical',
      threshold: this.cfg.portScan.verticalPorts,
      observed: top.failed,
      description: `${top.failed} ports with failed or unanswered connections between this VM and ${peers[0].ip} (${top.ok} answered); Zeek scan policy: ${this.cfg.portScan.verticalPorts} ports on one host in 5 min`,
      counts: { flows, packets, bytes, distinctPeers: groups.length, distinctPorts: top.failed },
      topPeers: topPeers(peers),
      ports: ports.slice(0, 20),
      internal: internal * 2 > flows,
      firstMs: first * win.bucketMs,
      lastMs: (last + 1) * win.bucketMs,
      mirrors,
    };
  }
}

function group(x: number): number {
  return fmix32(x) >>> 28;
}

function isFailed(t: PeerTable, r: number, from: number, known: RecentPairs | undefined, track: number): boolean {
  const first = t.first(r);
  const lf = t.get(r, F_LAST_FAIL);
  const lo = t.get(r, F_LAST_OK);
  if (!(lf > 0 && first + lf - 1 >= from) || (lo > 0 && first + lo - 1 >= from)) return false;
  return known === undefined || !known.has(track, pairHash(t.peerKey(r), t.port(r)));
}

function evidence(t: PeerTable, r: number): PeerEvidence {
  t.words(r, words);
  return {
    ip: formatPeer(t.family(r), words),
    flows: t.get(r, F_FLOWS),
    packets: t.get(r, F_PACKETS),
    bytes: t.get(r, F_BYTES),
    vm: t.peerVm(r),
  };
}

function add(
  m: Map<number, Group>,
  key: number,
  r: number,
  failed: boolean,
  ok: boolean,
  t: PeerTable,
  first: number,
  lastFail: number,
): void {
  let g = m.get(key);
  if (!g) {
    g = { failed: 0, ok: 0, flows: 0, packets: 0, bytes: 0, buckets: 0, first: Infinity, last: -Infinity, rows: [] };
    m.set(key, g);
  }
  g.rows.push(r);
  if (ok) {
    g.ok++;
    return;
  }
  if (!failed) return;
  g.failed++;
  g.flows += t.get(r, F_FLOWS);
  g.packets += t.get(r, F_PACKETS);
  g.bytes += t.get(r, F_BYTES);
  g.buckets += t.get(r, F_BUCKETS);
  if (first < g.first) g.first = first;
  if (lastFail > g.last) g.last = lastFail;
}
