import {
  FlowAction,
  FlowBatch,
  inPartition,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  RecordFlag,
  TcpFlag,
} from '@sg/flows/flow-batch';
import { toFlowRecord, type FlowRecord } from '@sg/flows/flow-record';
import { AmplificationDetector, AmplificationState } from './amplification.detector';
import { BruteForceDetector, BruteForceState } from './brute-force.detector';
import { resolveDetectionConfig, type DetectionConfig, type DetectionConfigInput } from './detection-config';
import { formatPeer, type Detection, type EvalWindow, type PeerEvidence } from './detection';
import type { Finding, FindingCounts, FindingKind, FindingRole, PeerFigures } from './finding';
import { FloodDetector } from './flood.detector';
import { addressKey, fmix32, pairHash } from './hash';
import { IncidentTracker, KIND_INDEX } from './incident-tracker';
import { MaliciousPeerDetector, ThreatHitState } from './malicious-peer.detector';
import { MiningDetector, StratumState } from './mining.detector';
import { ICMP_ECHO_PORT, PortScanDetector, PortScanState } from './port-scan.detector';
import { RecentPairs } from './recent-pairs';
import { SpamDetector, SpamState } from './spam.detector';
import { TcpReflectionDetector, TcpReflectionState } from './tcp-reflection.detector';
import type { SuppressionRule } from './suppression-rule';
import { SuppressionSet } from './suppression-set';
import type { ThreatIntel } from './threat-intel';
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
  ACTIVE_SHIFT,
  H_ARRIVAL,
  H_CUR,
  H_FLOOD_NEXT,
  H_LAST_REL,
  H_SELF,
  H_STATE,
  H_VM,
  K_BYTES,
  K_FLOWS,
  K_META,
  K_PACKETS,
  K_VM,
  NK,
  TrackStore,
} from './track-store';
import type { VmDirectory } from './vm-directory';

const SOURCE = 1;
const TARGET = 2;

// Copied once: a name imported through a barrel (`export *`) is a getter call on every access.
const ACTION_DENY: number = FlowAction.DENY;
const FLAGS_KNOWN: number = RecordFlag.TCP_FLAGS_KNOWN;
const F_SYN: number = TcpFlag.SYN;
const F_ACK: number = TcpFlag.ACK;
const F_RST: number = TcpFlag.RST;
const F_FIN: number = TcpFlag.FIN;
const TCP: number = PROTO_TCP;
const UDP: number = PROTO_UDP;
const ICMP: number = PROTO_ICMP;
const ICMP6: number = PROTO_ICMPV6;

/** Record classes (bit mask), computed once per record and shared by both VM sides. */
const PROBE = 1 << 0; // failed or probe-like: counts toward scans
const EST = 1 << 1; // established or answered: a TRW success for the pair
const SYN_LIKE = 1 << 2; // half-open TCP (SYN without ACK, or header-only <= 3 packets without flags)
const LOGIN = 1 << 3; // login-sized client flow to an auth port
const AMP_REQ = 1 << 4; // UDP to an amplification port
const AMP_RESP = 1 << 5; // UDP from an amplification port
const SMTP = 1 << 6; // TCP to a spam port
const STRATUM = 1 << 7; // established TCP opened toward a stratum port
const SRC_INIT = 1 << 8; // the record's sender opened the connection
const DENY = 1 << 9;
const ICMP_REPLY = 1 << 10; // ICMP echo reply: answers an echo probe
const REFLECT = 1 << 11; // answer-shaped TCP from a service port (SYN-ACK / reset / denied), maybe unsolicited
const REFLECT_SRC = 1 << 12; // ... whose sender counts as a distinct reflector (SYN-ACK, or denied without flags)
/** A SYN-ACK and Linux's 5 retransmissions (tcp_synack_retries): the most one unanswered SYN brings back. */
const MAX_SYNACK_PACKETS = 6;

/** Port classes. */
const P_AUTH = 1;
const P_AMP = 2;
const P_SPAM = 4;
const P_STRATUM = 8;

/** Kinds in sample-buffer bit order. */
const KIND_BIT_SCAN = 1 << KIND_INDEX['port-scan'];
const KIND_BIT_BRUTE = 1 << KIND_INDEX['brute-force'];
const KIND_BIT_FLOOD = 1 << KIND_INDEX.flood;
const KIND_BIT_AMP = 1 << KIND_INDEX.amplification;
const KIND_BIT_SPAM = 1 << KIND_INDEX.spam;
const KIND_BIT_INTEL = 1 << KIND_INDEX['malicious-peer'];
const KIND_BIT_MINING = 1 << KIND_INDEX.mining;
const ALL_KINDS = 0x7f;
/** Kind indexes for the eager trigger. */
const K_SCAN = KIND_INDEX['port-scan'];
const K_BRUTE = KIND_INDEX['brute-force'];
const K_FLOOD = KIND_INDEX.flood;
const K_AMP = KIND_INDEX.amplification;
const K_SPAM = KIND_INDEX.spam;
const K_INTEL = KIND_INDEX['malicious-peer'];
const K_MINING = KIND_INDEX.mining;
/** hotMask bit: the side is in hotList (kinds use bits 0-6). */
const LISTED = 0x80;
/**
 * After an eager look that opened nothing, a kind's trigger waits for its level to grow by this
 * factor. Count levels (pairs, sessions, servers, listed flows, buckets) step by one unit, and one
 * more unit may be the one that counts (a pair the known-pairs filter hid): any growth re-arms.
 * Volume levels (packet rates and sums) grow with every record: they wait for a quarter more.
 */
const REARM: readonly number[] = (() => {
  const r = [1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25];
  for (const k of [K_SCAN, K_BRUTE, K_SPAM, K_INTEL, K_MINING]) r[k] = 1 + 1e-6;
  return r;
})();

export interface DetectionEngineOptions {
  directory: VmDirectory;
  /** Called synchronously for every finding update, ended finding and suppressed finding. */
  onFinding: (finding: Finding) => void;
  config?: DetectionConfigInput;
  threatIntel?: ThreatIntel;
  suppressionRules?: SuppressionRule[];
  /** Wall clock, only to reject records stamped in the future (injectable for tests). */
  wallClock?: () => number;
  /** Monotonic clock (ms) that spaces eager looks at a side's open bucket (injectable for tests). */
  monotonicClock?: () => number;
  /**
   * This engine's share when detection is split across threads by VM slot: it keeps the sides of
   * VMs with slot % count === index and skips the other ends of the records it is given (another
   * engine keeps them). A VM's two sides and everything a detector reads about it stay together.
   * A VM-to-VM attack this engine finds still gives the VM at the other end its mirrored finding
   * when another engine keeps that VM (the case layer folds findings per VM, role and kind);
   * re-checks go to the engine keeping the VM, so only its own view can confirm a shutdown.
   */
  partition?: { index: number; count: number };
}

export interface DetectionEngineStats {
  /** Records with at least one VM end that were fed to detection. */
  records: number;
  unattributed: number;
  /** Records stamped too far in the future (or with no time). */
  future: number;
  /** Records older than their VM side's current bucket but within the lateness bound. */
  lateAccepted: number;
  /** Records older than the lateness bound, counted and dropped. */
  lateDropped: number;
  /** Live VM sides (VM x role) and VMs evicted when idle. */
  tracks: number;
  evicted: number;
  evaluations: number;
  /** Looks at open buckets of sides whose counters crossed a threshold (not window steps). */
  eagerEvaluations: number;
  findingsEmitted: number;
  findingsSuppressed: number;
  findingsEnded: number;
  incidentsOpened: number;
  activeIncidents: number;
  /** Rows, exact values and registers held by all VM sides: bounded by design. */
  trackedEntries: number;
  /** Rows refused because a bounded table was full. */
  droppedRows: number;
}

/** The answer to "is the pattern still there?" asked before a shutdown. */
export interface RecheckResult {
  present: boolean;
  vmSlot: number;
  role: FindingRole;
  kind: FindingKind;
  windowMs: number;
  /** The buckets looked at, as event times. */
  fromMs: number;
  toMs: number;
  /** The rule fires on the data held now. */
  firingNow: boolean;
  /** An incident of this kind is active and fired within windowMs of nowMs. */
  incidentId?: string;
  incidentLastSeen?: string;
  subkind?: string;
  rule?: { name: string; threshold: number; observed: number; description: string };
  counts?: FindingCounts;
  topPeers?: PeerFigures[];
  reason: string;
}

interface SampleBuffer {
  bucket: number;
  flows: FlowRecord[];
}

/**
 * Per-VM, per-role event-time detection over flow records.
 *
 * Each VM side (VM as sender = potential source, VM as receiver = potential target) is a track
 * with its own event clock: a record for a newer bucket closes the side's current bucket and
 * evaluates the window ending there; `advance()` does the same for sides that went quiet, ends
 * incidents and evicts idle sides. Records up to `allowedLatenessMs` older than the side's newest
 * bucket still count toward window rules; older ones are counted and dropped.
 *
 * The per-record path works on FlowBatch columns and typed arrays only: no objects, strings or
 * closures per record. Detector states are created per side the first time it shows the traffic
 * they look at, and every one of them is bounded (tables with a row cap, counters that turn into
 * HyperLogLogs), so memory does not grow with the number of peers.
 */
export class DetectionEngine {
  readonly config: DetectionConfig;
  private readonly store: TrackStore;
  /**
   * Per VM slot, one row of SIDE_WORDS words: the tracks of both sides, each side's newest probe
   * bucket, a 32-bit filter of the peers it probed (or was probed by), and until when the source
   * side keeps successes on failing ports (TRW). One cache line answers "which tracks, and could
   * this answer matter to scan state" for both sides of a VM, so most answers never touch it.
   */
  private sides = newSides(1024);
  private readonly W: number;
  private readonly L: number;
  private readonly R: number;
  private readonly bucketMs: number;
  private readonly rateSlotMs: number;
  private readonly maxProbePackets: number;
  /** Failed pairs on a port before the port's answered hosts are kept for the TRW ratio. */
  private readonly trwFrom: number;
  private readonly heavyOf = (tr: number) => this.heavyPeers(tr);
  private readonly ignoreUdpFrom: number;
  private readonly ignoreUdpTo: number;

  private readonly scan: (PortScanState | undefined)[] = [];
  /** Per VM (indexed by VM slot): (peer, port) pairs it reached successfully in the last one to two windows. */
  private readonly known: RecentPairs;
  private readonly brute: (BruteForceState | undefined)[] = [];
  private readonly amp: (AmplificationState | undefined)[] = [];
  private readonly spam: (SpamState | undefined)[] = [];
  private readonly hits: (ThreatHitState | undefined)[] = [];
  private readonly stratum: (StratumState | undefined)[] = [];
  private readonly refl: (TcpReflectionState | undefined)[] = [];
  private readonly samples = new Map<number, SampleBuffer>();
  /** Per track: kinds whose sample buffer is full for now (skip the map on the hot path). */
  private sampleFull = new Uint8Array(1024);
  /** Per track: kinds that have a sample buffer in `samples`. */
  private sampleHas = new Uint8Array(1024);

  // Eager evaluation: a side whose counters show a rule may fire is looked at before its bucket
  // closes (README, "Eager evaluation"). Per-track typed arrays: nothing allocated per record.
  /** Per track: kinds waiting for an eager look (bits 0-6) and LISTED. */
  private hotMask = new Uint8Array(1024);
  /** Sides with LISTED set, in the order they became hot. */
  private hotList = new Int32Array(256);
  private hotCount = 0;
  /** Per track: monotonic ms before which the side gets no eager look again. */
  private eagerNext = new Float64Array(1024);
  /** Per track and kind: trigger level needed for the next eager look (0: 1, the rule's threshold). */
  private arm = new Float32Array(1024 * 8);
  private readonly eagerIntervalMs: number;
  private readonly monotonic: () => number;
  private inEager = false;
  private readonly partIndex: number;
  private readonly partCount: number;
  /** Keeps warm()'s loads observable so the compiler cannot drop them. */
  private warmSink = 0;

  private readonly portClass = new Uint8Array(65536);
  private readonly authMin = new Uint8Array(65536);
  private readonly authMax = new Uint8Array(65536);
  private readonly ampIndex = new Int8Array(65536).fill(-1);

  private readonly scanDetector: PortScanDetector;
  private readonly bruteDetector: BruteForceDetector;
  private readonly floodDetector: FloodDetector;
  private readonly ampDetector: AmplificationDetector;
  private readonly spamDetector: SpamDetector;
  private readonly intelDetector: MaliciousPeerDetector;
  private readonly miningDetector: MiningDetector;
  private readonly reflDetector: TcpReflectionDetector;
  private readonly incidents: IncidentTracker;

  private suppression: SuppressionSet;
  private intel: ThreatIntel | undefined;
  private readonly wallClock: () => number;
  /** Engine clock: newest event time seen or passed to advance(). */
  private clock = 0;
  /** Engine-clock bucket at the start of the current batch (when its records "arrived"). */
  private arrivalBucket = 0;

  private readonly st = {
    records: 0,
    unattributed: 0,
    future: 0,
    lateAccepted: 0,
    lateDropped: 0,
    evicted: 0,
    evaluations: 0,
    eagerEvaluations: 0,
  };

  constructor(opts: DetectionEngineOptions) {
    const cfg = (this.config = resolveDetectionConfig(opts.config));
    this.bucketMs = cfg.bucketMs;
    this.W = cfg.windowBuckets;
    this.L = Math.ceil(cfg.allowedLatenessMs / cfg.bucketMs);
    this.R = this.W + this.L + 1;
    this.rateSlotMs = cfg.minRateSpanMs;
    this.partCount = Math.max(1, opts.partition?.count ?? 1);
    this.partIndex = opts.partition?.index ?? 0;
    if (!(this.partIndex >= 0 && this.partIndex < this.partCount)) throw new Error('partition index out of range');
    this.maxProbePackets = cfg.portScan.maxProbePackets;
    this.trwFrom = Math.max(1, Math.floor(cfg.portScan.horizontalHosts / 3));
    this.ignoreUdpFrom = cfg.portScan.ignoreUdpPorts[0];
    this.ignoreUdpTo = cfg.portScan.ignoreUdpPorts[1];
    this.store = new TrackStore(
      cfg.limits.topK,
      Math.max(1, Math.ceil(cfg.bucketMs / cfg.minRateSpanMs)),
      cfg.bucketMs,
    );
    this.known = new RecentPairs(this.W, this.sides.length / SIDE_WORDS);
    this.wallClock = opts.wallClock ?? Date.now;
    this.monotonic = opts.monotonicClock ?? (() => performance.now());
    this.eagerIntervalMs = cfg.eagerIntervalMs;
    this.intel = opts.threatIntel;
    this.suppression = new SuppressionSet(opts.suppressionRules ?? []);

    for (const p of cfg.bruteForce.ports) {
      this.portClass[p.port] |= P_AUTH;
      this.authMin[p.port] = Math.min(255, p.minPackets);
      this.authMax[p.port] = Math.min(255, p.maxPackets);
    }
    cfg.amplification.ports.forEach((p, i) => {
      this.portClass[p.port] |= P_AMP;
      this.ampIndex[p.port] = i;
    });
    for (const p of cfg.spam.ports) this.portClass[p] |= P_SPAM;
    for (const p of cfg.mining.stratumPorts) this.portClass[p] |= P_STRATUM;

    this.scanDetector = new PortScanDetector(cfg);
    this.bruteDetector = new BruteForceDetector(cfg);
    this.floodDetector = new FloodDetector(cfg);
    this.ampDetector = new AmplificationDetector(cfg);
    this.spamDetector = new SpamDetector(cfg);
    this.intelDetector = new MaliciousPeerDetector(cfg);
    this.miningDetector = new MiningDetector(cfg);
    this.reflDetector = new TcpReflectionDetector(cfg);
    this.incidents = new IncidentTracker(
      opts.directory,
      opts.onFinding,
      () => this.suppression,
      cfg.bucketMs,
      cfg.bucketMs * cfg.windowBuckets,
      cfg.endQuietBuckets,
    );
  }

  /** Replaces the exception rules; the next emitted update already uses them. */
  setSuppressionRules(rules: SuppressionRule[]): void {
    this.suppression = new SuppressionSet(rules);
  }

  /** Swaps the threat lists (a ThreatIntel also reloads itself in place). */
  setThreatIntel(intel: ThreatIntel | undefined): void {
    this.intel = intel;
  }

  /** Feeds a batch. The batch is reused by the caller afterwards: nothing here keeps a reference to it. */
  process(batch: FlowBatch): void {
    const n = batch.length;
    if (n === 0) return;
    const futureLimit = this.wallClock() + this.config.maxFutureSkewMs;
    const bucketMs = this.bucketMs;
    const { startMs, endMs, srcVm, dstVm } = batch;
    let maxT = this.clock;
    this.arrivalBucket = Math.floor(this.clock / bucketMs);
    const pc = this.partCount;
    const pi = this.partIndex;
    let sink = 0;
    for (let i = 0; i < n; i++) {
      if ((i & (WARM_CHUNK - 1)) === 0) sink ^= this.warm(srcVm, dstVm, i, Math.min(n, i + WARM_CHUNK));
      let t = endMs[i];
      if (!(t > 0)) t = startMs[i];
      if (!(t > 0) || t > futureLimit) {
        this.st.future++;
        continue;
      }
      const s = srcVm[i];
      const d = dstVm[i];
      if (s < 0 && d < 0) {
        this.st.unattributed++;
        continue;
      }
      const ownS = inPartition(s, pi, pc);
      const ownD = inPartition(d, pi, pc);
      if (!ownS && !ownD) continue;
      this.st.records++;
      if (t > maxT) maxT = t;
      const bucket = Math.floor(t / bucketMs);
      const cls = this.classify(batch, i);
      if (ownS) this.feed(batch, i, this.trackFor(s, SOURCE, bucket), SOURCE, batch.dstAddr, d, t, bucket, cls);
      if (ownD) this.feed(batch, i, this.trackFor(d, TARGET, bucket), TARGET, batch.srcAddr, s, t, bucket, cls);
    }
    this.warmSink ^= sink;
    const crossed = Math.floor(maxT / bucketMs) > Math.floor(this.clock / bucketMs);
    this.clock = maxT;
    if (crossed) this.sweep();
    if (this.hotCount > 0) this.evaluateHot();
  }

  /**
   * Moves the engine clock (event time) to nowMs if it is ahead: closes buckets of sides that
   * went quiet, ends incidents that stopped, evicts idle sides. Call it on a timer.
   */
  advance(nowMs: number): void {
    if (nowMs > this.clock) this.clock = nowMs;
    this.sweep();
    if (this.hotCount > 0) this.evaluateHot();
  }

  /**
   * Whether the pattern is still present for the VM side: the rule evaluated now over the last
   * windowMs (limited to the window plus lateness the engine holds), or an incident of that kind
   * that fired within windowMs of nowMs.
   */
  recheck(vmSlot: number, role: FindingRole, kind: FindingKind, windowMs: number, nowMs: number): RecheckResult {
    const r = role === 'source' ? SOURCE : TARGET;
    const tr = vmSlot * SIDE_WORDS < this.sides.length ? this.sides[vmSlot * SIDE_WORDS + (r === SOURCE ? 0 : 1)] : -1;
    const base = { vmSlot, role, kind, windowMs };
    if (tr < 0) {
      return {
        ...base,
        present: false,
        firingNow: false,
        fromMs: nowMs - windowMs,
        toMs: nowMs,
        reason: 'no traffic held for this VM side',
      };
    }
    const cur = this.store.cur(tr);
    const e = Math.min(cur, Math.floor(nowMs / this.bucketMs));
    const n = Math.max(1, Math.min(this.R - 1, Math.ceil(windowMs / this.bucketMs)));
    const win: EvalWindow = {
      from: e - n + 1,
      to: e,
      bucketMs: this.bucketMs,
      current: e === cur,
      purgeBefore: -Infinity,
    };
    const out: Detection[] = [];
    this.runDetectors(tr, win, out, 1 << KIND_INDEX[kind]);
    const d = out.find((x) => x.kind === kind);
    const inc = this.incidents.get(tr, kind);
    const recent = !!inc && inc.lastMs >= nowMs - windowMs;
    const present = !!d || recent;
    return {
      ...base,
      present,
      firingNow: !!d,
      fromMs: win.from * this.bucketMs,
      toMs: (win.to + 1) * this.bucketMs,
      incidentId: inc?.id,
      incidentLastSeen: inc ? new Date(inc.lastMs).toISOString() : undefined,
      subkind: d?.subkind ?? inc?.detection.subkind,
      rule: d
        ? { name: d.ruleName, threshold: d.threshold, observed: d.observed, description: d.description }
        : undefined,
      counts: d?.counts,
      topPeers: d?.topPeers.map(({ ip, flows, packets, bytes }) => ({ ip, flows, packets, bytes })),
      reason: d
        ? 'rule fires on the traffic held now'
        : recent
          ? 'incident fired within the re-check window'
          : 'pattern not present',
    };
  }

  stats(): DetectionEngineStats {
    let entries = this.store.live * this.store.k;
    let dropped = 0;
    const sum = (arr: ({ entries: number } | undefined)[]) => {
      for (const s of arr) if (s) entries += s.entries;
    };
    sum(this.scan);
    sum(this.brute);
    sum(this.amp);
    sum(this.spam);
    sum(this.hits);
    sum(this.stratum);
    sum(this.refl);
    for (const s of this.scan) if (s) dropped += s.pairs.dropped;
    for (const s of this.brute) if (s) dropped += s.rows.dropped;
    const inc = this.incidents.stats;
    return {
      ...this.st,
      tracks: this.store.live,
      findingsEmitted: inc.emitted,
      findingsSuppressed: inc.suppressed,
      findingsEnded: inc.ended,
      incidentsOpened: inc.opened,
      activeIncidents: this.incidents.size,
      trackedEntries: entries,
      droppedRows: dropped,
    };
  }

  // ---------------------------------------------------------------- hot path

  private classify(b: FlowBatch, i: number): number {
    const pr = b.proto[i];
    const pk = b.packets[i] > 0 ? b.packets[i] : 1;
    const by = b.bytes[i];
    const sp = b.srcPort[i];
    const dp = b.dstPort[i];
    const deny = b.action[i] === ACTION_DENY;
    const v6 = b.family[i] === 6;
    let cls = deny ? DENY : 0;
    // The lower port is the service: the sender opened the connection when it talks to it.
    if (dp < sp || (dp === sp && pr !== TCP)) cls |= SRC_INIT;
    if (pr === TCP) {
      const known = (b.flags[i] & FLAGS_KNOWN) !== 0;
      const f = b.tcpFlags[i];
      // IPv4 + TCP headers with the longest SYN options are 60 bytes; IPv6 adds 20.
      const headerOnly = by <= pk * (v6 ? 84 : 64);
      let synLike: boolean;
      let established: boolean;
      if (known) {
        synLike = (f & F_SYN) !== 0 && (f & F_ACK) === 0;
        established = (f & F_ACK) !== 0 && ((f & F_RST) === 0 || !headerOnly);
        if (synLike) cls |= SRC_INIT;
        else if ((f & (F_SYN | F_ACK)) === (F_SYN | F_ACK) && headerOnly && pk <= 2) cls &= ~SRC_INIT;
      } else {
        synLike = headerOnly && pk <= this.maxProbePackets;
        established = !headerOnly || pk > this.maxProbePackets;
      }
      if (synLike) cls |= SYN_LIKE;
      // Without flags a short header-only flow toward the lower port is a probe; the same flow
      // from the lower port is the answer (SYN-ACK or RST) to someone else's probe.
      // A rejected flow is a failed attempt only from the side that opened it (rejected SYN-ACKs
      // of a reflection attack are not probes).
      if ((deny || synLike) && (known ? synLike || (cls & SRC_INIT) !== 0 : (cls & SRC_INIT) !== 0)) cls |= PROBE;
      else if (established) cls |= EST;
      // Answer-shaped TCP from the service port: a header-only SYN-ACK (with retransmissions, no
      // FIN) or reset; without flags, such a flow a stateful firewall denied. Whether the VM asked
      // for it is decided in feed() (target side only).
      if (headerOnly && sp < dp && pk <= MAX_SYNACK_PACKETS) {
        if (known) {
          if ((f & F_FIN) === 0) {
            if ((f & (F_SYN | F_ACK)) === (F_SYN | F_ACK)) cls |= REFLECT | REFLECT_SRC;
            else if ((f & (F_RST | F_SYN)) === F_RST) cls |= REFLECT;
          }
        } else if (deny) cls |= REFLECT | REFLECT_SRC;
      }
      const pc = this.portClass[dp];
      if (pc !== 0 && !deny) {
        if (pc & P_AUTH && !headerOnly && pk >= this.authMin[dp] && pk <= this.authMax[dp]) cls |= LOGIN;
        if (pc & P_SPAM && cls & SRC_INIT) cls |= SMTP;
        if (pc & P_STRATUM && established && cls & SRC_INIT) cls |= STRATUM;
      } else if (pc & P_SPAM && cls & SRC_INIT) cls |= SMTP;
    } else if (pr === UDP) {
      const pc = this.portClass[dp];
      if (pc & P_AMP) cls |= AMP_REQ;
      if (this.portClass[sp] & P_AMP) cls |= AMP_RESP;
      // UDP probes: toward the lower (service) port, never from an amplification port (those are
      // answers, often unsolicited), small unless rejected; queries to amplification ports are
      // ordinary client traffic unless rejected. Traceroute's ports are not a scan.
      const toService =
        dp < sp && (this.portClass[sp] & P_AMP) === 0 && (dp < this.ignoreUdpFrom || dp > this.ignoreUdpTo);
      if (toService && (deny || (pk <= 2 && by <= pk * (v6 ? 148 : 128) && (pc & P_AMP) === 0))) cls |= PROBE;
      else if (!deny) cls |= EST;
    } else if (pr === ICMP || pr === ICMP6) {
      const type = dp >>> 8;
      const echo = pr === ICMP ? 8 : 128;
      const reply = pr === ICMP ? 0 : 129;
      if (type === echo && dp !== 0 && pk <= 2) cls |= PROBE | SRC_INIT;
      // Echo reply is type 0 code 0, the same as "no type" in cloud logs: marking an answer is harmless.
      else if (type === reply && !deny) cls |= ICMP_REPLY;
    }
    return cls;
  }

  private feed(
    b: FlowBatch,
    i: number,
    tr: number,
    role: number,
    peer: Uint32Array,
    peerVm: number,
    t: number,
    bucket: number,
    cls: number,
  ): void {
    const store = this.store;
    const i32 = store.i32;
    const f32 = store.f32;
    const blk = tr * store.stride;
    let cur = i32[blk + H_CUR];
    if (bucket > cur) {
      if (i32[blk + H_STATE] & 1) this.evaluate(tr, cur, true);
      store.resetCurrent(tr, bucket);
      cur = bucket;
    } else if (bucket < cur - this.L) {
      this.st.lateDropped++;
      return;
    }
    i32[blk + H_STATE] |= 1;
    // Kinds with an active incident: their steps re-emit them, the eager triggers skip them.
    const active = (i32[blk + H_STATE] >>> ACTIVE_SHIFT) & ALL_KINDS;
    const arrived = bucket > this.arrivalBucket ? bucket : this.arrivalBucket;
    if (arrived > i32[blk + H_ARRIVAL]) i32[blk + H_ARRIVAL] = arrived;
    const bs = cur * this.bucketMs;
    const rel = t - bs;
    if (rel > f32[blk + H_LAST_REL]) f32[blk + H_LAST_REL] = rel;
    const off = i << 2;
    const fam = b.family[i];
    const own = role === SOURCE ? b.srcAddr : b.dstAddr;
    i32[blk + H_SELF] = own[off];
    if (fam !== 4) store.setSelf(tr, own, off, fam);
    const pk = b.packets[i] > 0 ? b.packets[i] : 1;
    const by = b.bytes[i];
    const pr = b.proto[i];
    const ws = cur - this.W + 1;

    if (bucket === cur) {
      const c = blk + store.oCnt;
      f32[c + C_FLOWS] += 1;
      f32[c + C_PACKETS] += pk;
      f32[c + C_BYTES] += by;
      const syn = cls & SYN_LIKE ? pk : 0;
      const udp = pr === UDP ? pk : 0;
      const icmp = pr === ICMP || pr === ICMP6 ? pk : 0;
      if (syn !== 0) f32[c + C_SYN_PK] += syn;
      if (pr === TCP) f32[c + C_TCP_PK] += pk;
      else if (udp !== 0) f32[c + C_UDP_PK] += udp;
      else if (icmp !== 0) f32[c + C_ICMP_PK] += icmp;
      let start = b.startMs[i];
      if (!(start > 0) || start > t) start = t;
      const relStart = start - bs;
      if (relStart < f32[c + C_SPAN_START]) f32[c + C_SPAN_START] = relStart;
      if (rel > f32[c + C_SPAN_END]) f32[c + C_SPAN_END] = rel;
      if (peerVm >= 0) f32[c + C_INTERNAL_FLOWS] += 1;
      store.spread(tr, this.rateSlotMs, relStart, rel, pk, syn);
      const j = store.topAdd(
        tr,
        peer,
        off,
        fam,
        peerVm >= 0,
        peerVm,
        pk,
        by,
        syn,
        udp,
        icmp,
        relStart,
        rel,
        b.dstPort[i],
      );
      // A victim whose flood is reported as amplification (or a busy answered UDP stream) passes
      // the count gates with every record; rates cannot jump, so one look per 1/64 more packets.
      if (
        (active & KIND_BIT_FLOOD) === 0 &&
        f32[c + C_PACKETS] >= f32[blk + H_FLOOD_NEXT] &&
        this.floodDetector.mayFire(f32, blk + store.oTop + j * NK, c, role === TARGET)
      ) {
        f32[blk + H_FLOOD_NEXT] = f32[c + C_PACKETS] * (1 + 1 / 64);
        const vmSlot = i32[blk + H_VM];
        const other = this.sides[vmSlot * SIDE_WORDS + (role === SOURCE ? 1 : 0)];
        this.mark(tr, K_FLOOD, this.floodDetector.level(store, tr, j, other, role === TARGET));
      }
      if (this.sampleFull[tr] & KIND_BIT_FLOOD) {
        // full: nothing to sample
      } else if (
        f32[c + C_SYN_PK] >= 1000 ||
        f32[c + C_UDP_PK] >= 5000 ||
        f32[c + C_ICMP_PK] >= 2500 ||
        f32[c + C_PACKETS] >= 100_000
      ) {
        this.sample(tr, KIND_BIT_FLOOD, b, i, bucket);
      }
    } else {
      this.st.lateAccepted++;
    }

    const vm = i32[blk + H_VM];
    if (cls & PROBE) {
      let sc = this.scan[tr];
      if (!sc)
        sc = this.scan[tr] = new PortScanState(this.config.limits.scanPairs, role === SOURCE, this.trwFrom, {
          hosts: role === SOURCE ? this.config.portScan.horizontalHosts : 0,
          ports: this.config.portScan.verticalPorts,
          slots: this.R,
        });
      const port = pr === TCP || pr === UDP ? b.dstPort[i] : ICMP_ECHO_PORT;
      const key = addressKey(peer, off, fam);
      // Horizontal scans of mail ports are the spam rule's (the scan rule skips them).
      const horizontal = role === SOURCE && (port > 65535 || (this.portClass[port] & P_SPAM) === 0);
      const level = sc.probe(peer, off, fam, port, peerVm, bucket, ws, pk, by, key, horizontal);
      if (level >= 1 && (active & KIND_BIT_SCAN) === 0) this.mark(tr, K_SCAN, level);
      this.noteProbe(vm, role === SOURCE ? 0 : 1, bucket, key);
      if (role === SOURCE) this.sides[vm * SIDE_WORDS + S_TRW] = sc.keepingSuccessesUntil();
      if ((this.sampleFull[tr] & KIND_BIT_SCAN) === 0 && sc.pairs.size >= 8)
        this.sample(tr, KIND_BIT_SCAN, b, i, bucket);
    } else if (cls & (EST | ICMP_REPLY)) {
      const icmp = (cls & ICMP_REPLY) !== 0;
      const key = addressKey(peer, off, fam);
      // Scan states are only touched when a side saw probes lately (read from the VM's line).
      // Only a source side keeps successes of peers it never probed (TRW on a failing port).
      const sides = this.sides;
      const sv = vm * SIDE_WORDS;
      const own = role === SOURCE ? 0 : 1;
      const bit = 1 << (fmix32(key) & 31);
      if (!icmp && sides[sv + S_PROBE + own] >= ws) {
        const may = (sides[sv + S_FILTER + own] & bit) !== 0;
        if (may || (own === 0 && sides[sv + S_TRW] >= ws)) {
          const sc = this.scan[tr];
          if (sc) sc.success(peer, off, fam, b.dstPort[i], peerVm, bucket, ws, may);
        }
      }
      const other = sides[sv + 1 - own];
      if (other >= 0 && sides[sv + S_PROBE + 1 - own] >= ws) {
        const may = (sides[sv + S_FILTER + 1 - own] & bit) !== 0;
        if (may || (own === 1 && sides[sv + S_TRW] >= ws)) {
          const so2 = this.scan[other];
          const port = icmp ? ICMP_ECHO_PORT : b.srcPort[i];
          if (so2) so2.success(peer, off, fam, port, peerVm, bucket, ws, may);
        }
      }
      // Remember pairs the VM reached: its own established flows, and echo replies (pings have
      // no established flow of their own).
      if (role === SOURCE) {
        if ((cls & SRC_INIT) !== 0 && !icmp) this.known.add(vm, pairHash(key, b.dstPort[i]), bucket);
      } else if (icmp && other >= 0) this.known.add(vm, pairHash(key, ICMP_ECHO_PORT), bucket);
    }

    if (cls & LOGIN) {
      let bf = this.brute[tr];
      if (!bf) bf = this.brute[tr] = new BruteForceState(this.config.limits.bruteRows, this.R);
      const known = (b.flags[i] & FLAGS_KNOWN) !== 0;
      const syn = known ? ((b.tcpFlags[i] & F_SYN) !== 0 ? 1 : 0) : -1;
      const flows = bf.attempt(peer, off, fam, b.dstPort[i], peerVm, bucket, ws, b.srcPort[i], syn, pk, by);
      if ((this.sampleFull[tr] & KIND_BIT_BRUTE) === 0 && flows >= 10) this.sample(tr, KIND_BIT_BRUTE, b, i, bucket);
      if (bf.lastFresh && (active & KIND_BIT_BRUTE) === 0) this.bruteTrigger(tr, bf, role, ws, cur);
    }

    if (cls & (AMP_REQ | AMP_RESP)) {
      let am = this.amp[tr];
      if (!am)
        am = this.amp[tr] = new AmplificationState(
          this.R,
          this.config.amplification.ports.length,
          this.config.limits.exactDistinct,
          this.config.limits.hllPrecision,
        );
      const key = addressKey(peer, off, fam);
      if (cls & AMP_REQ) am.request(bucket, pk, by, key, role === SOURCE);
      if (cls & AMP_RESP) {
        am.response(bucket, pk, by, key, this.ampIndex[b.srcPort[i]], role === SOURCE);
        if (cls & DENY && role === TARGET) am.deniedResponse(bucket, key);
      }
      if ((active & KIND_BIT_AMP) === 0)
        this.mark(tr, K_AMP, this.ampDetector.level(am, role === SOURCE, ws, cur, (cls & DENY) !== 0));
      if ((this.sampleFull[tr] & KIND_BIT_AMP) === 0 && am.bucketPackets(bucket) >= 200)
        this.sample(tr, KIND_BIT_AMP, b, i, bucket);
    }

    if (cls & REFLECT && role === TARGET) {
      const st = this.reflection(b, i, tr, vm, peer, off, fam, bucket, cls, pk);
      // Flows bound the distinct answerers from above.
      if (st !== null && (active & KIND_BIT_AMP) === 0)
        this.mark(tr, K_AMP, st.flows(ws, cur) / this.config.amplification.tcpReflectionMinSources);
    }

    if (role === SOURCE) {
      if (cls & SMTP) {
        let sm = this.spam[tr];
        if (!sm)
          sm = this.spam[tr] = new SpamState(
            this.config.limits.smallRows,
            this.R,
            this.config.limits.exactDistinct,
            this.config.limits.hllPrecision,
          );
        sm.flow(peer, off, fam, addressKey(peer, off, fam), b.dstPort[i], peerVm, bucket, ws, pk, by);
        // Rows are (server, port) pairs kept past the window: an upper bound of the distinct servers.
        if ((active & KIND_BIT_SPAM) === 0) this.mark(tr, K_SPAM, sm.rows.size / this.config.spam.minServers);
        if ((this.sampleFull[tr] & KIND_BIT_SPAM) === 0 && sm.rows.size >= 10)
          this.sample(tr, KIND_BIT_SPAM, b, i, bucket);
      }
      if (cls & STRATUM && peerVm < 0) {
        let mi = this.stratum[tr];
        if (!mi) mi = this.stratum[tr] = new StratumState(this.config.limits.smallRows, this.R);
        const row = mi.flow(peer, off, fam, b.dstPort[i], peerVm, bucket, ws, pk, by);
        if (row >= 0 && (active & KIND_BIT_MINING) === 0)
          this.mark(tr, K_MINING, mi.rows.slotsActive(row, ws, cur) / this.config.mining.minBuckets);
        if ((this.sampleFull[tr] & KIND_BIT_MINING) === 0) this.sample(tr, KIND_BIT_MINING, b, i, bucket);
      }
    }

    const intel = this.intel;
    if (intel !== undefined && peerVm < 0) {
      const mask = intel.lookup(fam, peer, off);
      if (mask !== 0) this.threatHit(b, i, tr, role, vm, peer, off, fam, bucket, mask, cls, pk, by);
    }
  }

  /**
   * An answer-shaped TCP flow reached the VM: it counts toward TCP reflection unless the VM asked
   * for it, i.e. reached (known pairs) or probed (its scan rows) that host and port. Denied flows
   * without flags need no check: a stateful firewall passes the answers to the VM's own SYNs.
   * Returns the state it was counted in, null when the VM asked for it.
   */
  private reflection(
    b: FlowBatch,
    i: number,
    tr: number,
    vm: number,
    peer: Uint32Array,
    off: number,
    fam: number,
    bucket: number,
    cls: number,
    pk: number,
  ): TcpReflectionState | null {
    const key = addressKey(peer, off, fam);
    const sp = b.srcPort[i];
    if ((b.flags[i] & FLAGS_KNOWN) !== 0) {
      if (this.known.has(vm, pairHash(key, sp))) return null;
      const src = this.sides[vm * SIDE_WORDS];
      if (src >= 0 && this.mayHaveProbed(vm, 0, key)) {
        const sc = this.scan[src];
        if (sc && sc.pairs.find(peer, off, fam, sp) >= 0) return null;
      }
    }
    let st = this.refl[tr];
    if (!st)
      st = this.refl[tr] = new TcpReflectionState(
        this.R,
        this.config.limits.exactDistinct,
        this.config.limits.hllPrecision,
      );
    st.add(bucket, pk, key, (cls & REFLECT_SRC) !== 0);
    return st;
  }

  private threatHit(
    b: FlowBatch,
    i: number,
    tr: number,
    role: number,
    vm: number,
    peer: Uint32Array,
    off: number,
    fam: number,
    bucket: number,
    mask: number,
    cls: number,
    pk: number,
    by: number,
  ): void {
    // File the hit under the side that opened the connection: a reply to a listed scanner is not beaconing.
    const srcInit = (cls & SRC_INIT) !== 0;
    const hitRole = (role === SOURCE) === srcInit ? SOURCE : TARGET;
    if (hitRole === TARGET && cls & DENY) return; // blocked attempts from listed addresses are background noise
    const ht = hitRole === role ? tr : this.trackFor(vm, hitRole, bucket);
    let st = this.hits[ht];
    if (!st) st = this.hits[ht] = new ThreatHitState(this.config.limits.smallRows);
    const servicePort = srcInit ? b.dstPort[i] : b.srcPort[i];
    st.hit(peer, off, fam, servicePort, -1, bucket, this.store.cur(ht) - this.W + 1, mask, pk, by);
    const miningBit = this.intel ? this.intel.categoryBit(this.config.mining.category) : 0;
    const bit = mask & ~miningBit ? KIND_BIT_INTEL : KIND_BIT_MINING;
    if ((this.sampleFull[ht] & bit) === 0) this.sample(ht, bit, b, i, bucket);
    if ((this.store.activeKinds(ht) & bit) === 0)
      this.mark(ht, bit === KIND_BIT_INTEL ? K_INTEL : K_MINING, st.flows / this.config.maliciousPeer.minFlows);
  }

  /**
   * A trigger saw kind k's rule within reach (level >= 1: its cheap counters are past the rule's
   * threshold): the side gets an eager look at the end of this process() call. A kind looked at
   * without result waits until its level has grown (REARM) or the bucket closes, so a side that
   * sits near a threshold is looked at again for new evidence only, not for every record.
   */
  private mark(tr: number, k: number, level: number): void {
    if (!(level >= 1)) return;
    const a = tr * 8 + k;
    if (level < this.arm[a]) return;
    this.arm[a] = level * REARM[k];
    const h = this.hotMask[tr];
    this.hotMask[tr] = h | LISTED | (1 << k);
    if ((h & LISTED) !== 0) return;
    if (this.hotCount === this.hotList.length) {
      const l = new Int32Array(this.hotList.length * 2);
      l.set(this.hotList);
      this.hotList = l;
    }
    this.hotList[this.hotCount++] = tr;
  }

  /** A new login-sized session: the pair's sessions in the window, and whether a pair just became heavy. */
  private bruteTrigger(tr: number, bf: BruteForceState, role: number, ws: number, cur: number): void {
    const c = this.config.bruteForce;
    const sessions = bf.rows.slotSum(bf.lastRow, ws, cur);
    let level = sessions / c.oneToOneSessions;
    if (sessions >= c.perTargetSessions) {
      // Rows bound the pairs with enough sessions from above.
      const many = bf.rows.size / (role === SOURCE ? c.oneToManyTargets : c.manyToOneAttackers);
      if (many > level) level = many;
    }
    this.mark(tr, K_BRUTE, level);
  }

  /** Keeps up to 5 example records per side and kind (cold: only for sides near a rule). */
  private sample(tr: number, kindBit: number, b: FlowBatch, i: number, bucket: number): void {
    const key = tr * 8 + (31 - Math.clz32(kindBit));
    let buf = this.samples.get(key);
    if (!buf || bucket - buf.bucket >= this.W) {
      buf = { bucket, flows: [] };
      this.samples.set(key, buf);
      this.sampleHas[tr] |= kindBit;
    }
    if (buf.flows.length < 5) {
      try {
        buf.flows.push(toFlowRecord(b, i));
      } catch {
        // A record with an unprintable field (bad timestamp) is still counted; it is just no example.
      }
    }
    if (buf.flows.length >= 5) this.sampleFull[tr] |= kindBit;
  }

  /**
   * Loads the lines records [from, to) will touch first: each VM's row, its source side's recent
   * pairs and the sides' track blocks (every 64-byte line). On busy traffic consecutive records
   * belong to different VMs, each of these lines is a main-memory miss, and feed()'s branches
   * keep the processor from overlapping them; this loop has no data-dependent branch, so its
   * misses are fetched side by side and feed() finds them in cache (1.13 -> 1.33-1.42 M records/s
   * in bench:detect's throughput part). A record without a VM end warms VM 0's lines in vain,
   * cheaper than a branch.
   */
  private warm(srcVm: Int32Array, dstVm: Int32Array, from: number, to: number): number {
    const sides = this.sides;
    const lastVm = sides.length / SIDE_WORDS - 1;
    const i32 = this.store.i32;
    const stride = this.store.stride;
    const lastTrack = this.store.capacity - 1;
    const known = this.known;
    let acc = 0;
    for (let i = from; i < to; i++) {
      let s = srcVm[i];
      let d = dstVm[i];
      s &= ~(s >> 31);
      d &= ~(d >> 31);
      if (s > lastVm) s = 0;
      if (d > lastVm) d = 0;
      acc ^= known.touch(s);
      let ts = sides[s * SIDE_WORDS];
      let td = sides[d * SIDE_WORDS + 1];
      ts &= ~(ts >> 31);
      td &= ~(td >> 31);
      if (ts > lastTrack) ts = 0;
      if (td > lastTrack) td = 0;
      const a = ts * stride;
      const b = td * stride;
      for (let w = 0; w < stride; w += 16) acc ^= i32[a + w] ^ i32[b + w];
    }
    return acc;
  }

  private trackFor(vm: number, role: number, bucket: number): number {
    if (vm * SIDE_WORDS >= this.sides.length) this.growVmMaps(vm + 1);
    const own = role === SOURCE ? 0 : 1;
    let t = this.sides[vm * SIDE_WORDS + own];
    if (t < 0) {
      t = this.store.alloc(vm, role, bucket);
      this.sides[vm * SIDE_WORDS + own] = t;
      this.clearProbes(vm, own);
      if (this.store.capacity > this.sampleFull.length) this.growTrackArrays(this.store.capacity);
      this.sampleFull[t] = 0;
      this.sampleHas[t] = 0;
      // A reused slot may still be listed from its last owner: the list entry serves the new one.
      this.hotMask[t] &= LISTED;
      this.eagerNext[t] = 0;
      this.arm.fill(0, t * 8, t * 8 + 8);
      if (role === SOURCE) this.known.reset(vm);
    }
    return t;
  }

  private growTrackArrays(cap: number): void {
    const grow = <T extends Uint8Array | Float32Array | Float64Array>(a: T, n: number, make: (n: number) => T): T => {
      const x = make(n);
      x.set(a);
      return x;
    };
    this.sampleFull = grow(this.sampleFull, cap, (n) => new Uint8Array(n));
    this.sampleHas = grow(this.sampleHas, cap, (n) => new Uint8Array(n));
    this.hotMask = grow(this.hotMask, cap, (n) => new Uint8Array(n));
    this.eagerNext = grow(this.eagerNext, cap, (n) => new Float64Array(n));
    this.arm = grow(this.arm, cap * 8, (n) => new Float32Array(n));
  }

  /** A probe by or to the VM's side `own` (0 source, 1 target): newest probe bucket and the peer filter. */
  private noteProbe(vm: number, own: number, bucket: number, peerKey: number): void {
    const a = vm * SIDE_WORDS + S_PROBE + own;
    if (bucket > this.sides[a]) this.sides[a] = bucket;
    this.filterAdd(vm, own, peerKey);
  }

  private filterAdd(vm: number, own: number, peerKey: number): void {
    this.sides[vm * SIDE_WORDS + S_FILTER + own] |= 1 << (fmix32(peerKey) & 31);
  }

  /** Whether the peer may have scan rows on that side (a 32-bit filter, never a false "no"). */
  private mayHaveProbed(vm: number, own: number, peerKey: number): boolean {
    return (this.sides[vm * SIDE_WORDS + S_FILTER + own] & (1 << (fmix32(peerKey) & 31))) !== 0;
  }

  private clearProbes(vm: number, own: number): void {
    const r = vm * SIDE_WORDS;
    this.sides[r + S_PROBE + own] = 0;
    this.sides[r + S_FILTER + own] = 0;
    if (own === 0) this.sides[r + S_TRW] = 0;
  }

  private growVmMaps(min: number): void {
    let n = this.sides.length / SIDE_WORDS;
    while (n < min) n *= 2;
    const s = newSides(n);
    s.set(this.sides);
    this.sides = s;
    this.known.ensure(n);
  }

  // ---------------------------------------------------------------- window steps (cold)

  private sweep(): void {
    const store = this.store;
    const clock = this.clock;
    const closedBefore = Math.floor((clock - this.config.allowedLatenessMs) / this.bucketMs);
    const clockBucket = Math.floor(clock / this.bucketMs);
    const idleBuckets = Math.ceil(this.config.idleTimeoutMs / this.bucketMs);
    const tail = this.W + this.config.endQuietBuckets + 1;
    for (let tr = 0; tr < store.high; tr++) {
      if (store.role(tr) === 0) continue;
      const cur = store.cur(tr);
      if (store.dirty(tr) && cur < closedBefore) this.evaluate(tr, cur, true);
      if (store.incidents(tr) === 0 || store.dirty(tr)) continue;
      // A side that stopped receiving records slides its window on in its own time, one step per
      // minute of silence (engine clock), so incidents end; a side fed late but steadily (cloud
      // logs minutes behind other sources) keeps receiving records and is left alone.
      const silent = clockBucket - store.arrival(tr) - Math.ceil(this.config.allowedLatenessMs / this.bucketMs);
      const until = Math.min(cur + silent, cur + tail);
      for (let e = Math.max(store.evaluated(tr) + 1, cur + 1); e <= until && store.incidents(tr) > 0; e++)
        this.evaluate(tr, e, false);
    }
    // Evict after every side is evaluated: a side's rules read its VM's other side.
    for (let tr = 0; tr < store.high; tr++) {
      if (store.role(tr) !== 0 && clockBucket - store.arrival(tr) >= idleBuckets) this.evict(tr);
    }
  }

  /**
   * Eager looks at the hot sides' open buckets, at most one per side per eagerIntervalMs (monotonic
   * clock): a side under attack gets records in every batch and is not re-evaluated for each. A side
   * still waiting for its turn stays listed for a later process() or advance().
   */
  private evaluateHot(): void {
    // A finding callback may call back into the engine (advance): one pass at a time.
    if (this.inEager) return;
    this.inEager = true;
    try {
      const now = this.monotonic();
      const n = this.hotCount;
      let keep = 0;
      for (let j = 0; j < n; j++) {
        const tr = this.hotList[j];
        const kinds = this.hotMask[tr] & ALL_KINDS & ~this.store.activeKinds(tr);
        if (kinds === 0 || this.store.role(tr) === 0) {
          this.hotMask[tr] = 0;
          continue;
        }
        if (now < this.eagerNext[tr]) {
          this.hotList[keep++] = tr;
          continue;
        }
        this.hotMask[tr] = 0;
        this.eagerNext[tr] = now + this.eagerIntervalMs;
        this.evaluateEager(tr, kinds);
      }
      // Sides listed meanwhile (a callback that fed records) keep their places.
      for (let j = n; j < this.hotCount; j++) this.hotList[keep++] = this.hotList[j];
      this.hotCount = keep;
    } finally {
      this.inEager = false;
    }
  }

  /**
   * The window ending at the side's open bucket, for the given kinds: no window step. Nothing of
   * the step bookkeeping moves (evaluated bucket, dirty flag, quiet steps, sample buffers, table
   * purges), and only kinds without an active incident are asked, so a detection can only open an
   * incident, whose first update is then the one of this step.
   */
  private evaluateEager(tr: number, kinds: number): void {
    const store = this.store;
    this.st.eagerEvaluations++;
    const e = store.cur(tr);
    const win: EvalWindow = {
      from: e - this.W + 1,
      to: e,
      bucketMs: this.bucketMs,
      current: true,
      purgeBefore: -Infinity,
      eager: true,
    };
    const out: Detection[] = [];
    this.runDetectors(tr, win, out, kinds);
    if (out.length === 0) return;
    const role: FindingRole = store.role(tr) === SOURCE ? 'source' : 'target';
    const vm = store.vm(tr);
    for (const d of out) {
      this.incidents.fire(tr, vm, role, d, e, store.lastEventMs(tr), this.samplesOf(tr, d.kind), true);
      for (const m of d.mirrors) this.mirror(tr, vm, role, d, m.vmSlot, m.peer, e, true);
    }
    store.setIncidents(tr, this.incidents.countFor(tr));
    store.setActiveKinds(tr, this.incidents.kindMask(tr));
  }

  private evaluate(tr: number, e: number, current: boolean): void {
    const store = this.store;
    this.st.evaluations++;
    store.setEvaluated(tr, e);
    store.setDirty(tr, false);
    // This step covers whatever made the side hot; triggers start over for the next bucket.
    this.hotMask[tr] &= LISTED;
    this.arm.fill(0, tr * 8, tr * 8 + 8);
    const from = e - this.W + 1;
    const win: EvalWindow = {
      from,
      to: e,
      bucketMs: this.bucketMs,
      current: current && e === store.cur(tr),
      purgeBefore: from,
    };
    // Local: a finding callback may call back into the engine (advance, recheck).
    const out: Detection[] = [];
    this.runDetectors(tr, win, out, ALL_KINDS);
    const role: FindingRole = store.role(tr) === SOURCE ? 'source' : 'target';
    const vm = store.vm(tr);
    for (const d of out) {
      this.incidents.fire(tr, vm, role, d, e, store.lastEventMs(tr), this.samplesOf(tr, d.kind));
      for (const m of d.mirrors) this.mirror(tr, vm, role, d, m.vmSlot, m.peer, e, false);
    }
    if (store.incidents(tr) > 0 || out.length > 0) {
      store.setIncidents(tr, this.incidents.endQuiet(tr, e));
      store.setActiveKinds(tr, this.incidents.kindMask(tr));
    }
    this.sampleFull[tr] = 0;
    const has = this.sampleHas[tr];
    if (has !== 0) {
      for (let k = 0; k < 7; k++) {
        if ((has & (1 << k)) === 0) continue;
        const buf = this.samples.get(tr * 8 + k);
        if (!buf || e - buf.bucket >= this.W) {
          this.samples.delete(tr * 8 + k);
          this.sampleHas[tr] &= ~(1 << k);
        }
      }
    }
  }

  /**
   * A VM-to-VM attack seen on one side gives the VM at the other end the finding with the
   * opposite role, from the same evidence (Defender does not see inside a region; we do).
   */
  private mirror(
    tr: number,
    vm: number,
    role: FindingRole,
    d: Detection,
    peerVm: number,
    peer: PeerEvidence,
    e: number,
    eager: boolean,
  ): void {
    const otherRole = role === 'source' ? TARGET : SOURCE;
    const mt = this.trackFor(peerVm, otherRole, e);
    if (eager && (this.store.activeKinds(mt) & (1 << KIND_INDEX[d.kind])) !== 0) return;
    if (!Number.isFinite(this.store.lastEventMs(mt))) this.store.setLastEventMs(mt, this.store.lastEventMs(tr));
    const self: PeerEvidence = {
      ip: this.store.selfAddress(tr),
      flows: peer.flows,
      packets: peer.packets,
      bytes: peer.bytes,
      vm,
    };
    const subkind = d.kind === 'amplification' && d.subkind === 'reflector' ? 'victim' : d.subkind;
    const md: Detection = {
      ...d,
      subkind,
      description: `${role === 'source' ? 'attacked by' : 'attacking'} VM ${self.ip}: ${d.description}`,
      counts: {
        flows: peer.flows,
        packets: peer.packets,
        bytes: peer.bytes,
        distinctPeers: 1,
        distinctPorts: d.counts.distinctPorts,
      },
      topPeers: [self],
      internal: true,
      mirrors: [],
    };
    const lastMs = Math.max(this.store.lastEventMs(mt), this.store.lastEventMs(tr));
    this.incidents.fire(
      mt,
      peerVm,
      otherRole === SOURCE ? 'source' : 'target',
      md,
      e,
      lastMs,
      this.samplesOf(tr, d.kind),
      eager,
    );
    this.store.setIncidents(mt, this.incidents.countFor(mt));
    this.store.setActiveKinds(mt, this.incidents.kindMask(mt));
  }

  private samplesOf(tr: number, kind: FindingKind): FlowRecord[] | undefined {
    return this.samples.get(tr * 8 + KIND_INDEX[kind])?.flows;
  }

  /** Runs the detectors of the kinds in `kinds` (bits KIND_INDEX) and keeps only their detections. */
  private runDetectors(tr: number, win: EvalWindow, out: Detection[], kinds: number): void {
    const store = this.store;
    const isSource = store.role(tr) === SOURCE;
    const role: FindingRole = isSource ? 'source' : 'target';
    const vm = store.vm(tr);
    const other = vm * SIDE_WORDS < this.sides.length ? this.sides[vm * SIDE_WORDS + (isSource ? 1 : 0)] : -1;

    let ampFired = false;
    const am = this.amp[tr];
    // Floods need the amplification verdict too: reflected UDP is reported as amplification.
    if (am && (kinds & (KIND_BIT_AMP | KIND_BIT_FLOOD)) !== 0) {
      const mine: Detection[] = [];
      const otherAmp = other >= 0 ? this.amp[other] : undefined;
      ampFired = isSource
        ? this.ampDetector.evaluateSource(am, otherAmp, win, this.heavyOf, tr, mine)
        : this.ampDetector.evaluateTarget(am, otherAmp, win, this.heavyOf, tr, mine);
      if (kinds & KIND_BIT_AMP) out.push(...mine);
    }
    const rf = this.refl[tr];
    if (rf && !ampFired && (kinds & KIND_BIT_AMP) !== 0) {
      // Probe pairs the VM's own source side holds (and refused): its answers are no reflection.
      const sc = other >= 0 ? this.scan[other] : undefined;
      const ownProbes = sc ? sc.pairs.size + sc.pairs.dropped : 0;
      this.reflDetector.evaluate(rf, win, ownProbes, () => this.heavyPeers(tr), out);
    }
    if (kinds & KIND_BIT_FLOOD) this.floodDetector.evaluate(store, tr, other, role, win, ampFired, out);
    const sc = this.scan[tr];
    if (sc && (kinds & KIND_BIT_SCAN) !== 0) {
      const before = sc.entries;
      this.scanDetector.evaluate(sc, role, win, out, isSource ? this.known : undefined, vm);
      if (sc.entries < before) {
        // Rows were purged: rebuild the side's peer filter so it keeps skipping lookups.
        const own = isSource ? 0 : 1;
        this.sides[vm * SIDE_WORDS + S_FILTER + own] = 0;
        sc.forEachPeerKey((k) => this.filterAdd(vm, own, k));
      }
    }
    const bf = this.brute[tr];
    if (bf && (kinds & KIND_BIT_BRUTE) !== 0) this.bruteDetector.evaluate(bf, role, win, out);
    const sm = this.spam[tr];
    if (sm && (kinds & KIND_BIT_SPAM) !== 0) this.spamDetector.evaluate(sm, win, out);
    const ht = this.hits[tr];
    if (ht && this.intel && (kinds & (KIND_BIT_INTEL | KIND_BIT_MINING)) !== 0)
      this.intelDetector.evaluate(ht, this.intel, role, win, out);
    const mi = this.stratum[tr];
    if (mi && (kinds & KIND_BIT_MINING) !== 0 && !out.some((d) => d.kind === 'mining'))
      this.miningDetector.evaluate(mi, win, out);
    if ((kinds & ALL_KINDS) !== ALL_KINDS) {
      for (let j = out.length - 1; j >= 0; j--) if ((kinds & (1 << KIND_INDEX[out[j].kind])) === 0) out.splice(j, 1);
    }
  }

  /** The side's heaviest peers in its current bucket, as evidence. */
  private heavyPeers(tr: number): PeerEvidence[] {
    const store = this.store;
    const out: PeerEvidence[] = [];
    const w = new Uint32Array(4);
    for (let j = 0; j < store.k; j++) {
      const r = store.row(tr, j);
      const meta = store.i32[r + K_META];
      if (meta === 0) continue;
      store.rowWords(tr, j, w);
      out.push({
        ip: formatPeer(meta & 7, w, 0),
        flows: store.f32[r + K_FLOWS],
        packets: store.f32[r + K_PACKETS],
        bytes: store.f32[r + K_BYTES],
        vm: store.i32[r + K_VM],
      });
    }
    return out.sort((a, b) => b.packets - a.packets);
  }

  private evict(tr: number): void {
    this.incidents.endAll(tr);
    this.hotMask[tr] &= LISTED;
    const store = this.store;
    const vm = store.vm(tr);
    const own = store.role(tr) === SOURCE ? 0 : 1;
    this.sides[vm * SIDE_WORDS + own] = -1;
    this.clearProbes(vm, own);
    this.scan[tr] = undefined;
    this.brute[tr] = undefined;
    this.amp[tr] = undefined;
    this.spam[tr] = undefined;
    this.hits[tr] = undefined;
    this.stratum[tr] = undefined;
    this.refl[tr] = undefined;
    for (let k = 0; k < 7; k++) this.samples.delete(tr * 8 + k);
    this.sampleFull[tr] = 0;
    this.sampleHas[tr] = 0;
    store.release(tr);
    this.st.evicted++;
  }
}

/** Words of a VM's row in `sides`: tracks [source, target], newest probe buckets, peer filters, TRW, spare. */
const SIDE_WORDS = 8;
/** Records whose lines warm() loads ahead of feeding them (see warm()). */
const WARM_CHUNK = 32;
const S_PROBE = 2;
const S_FILTER = 4;
/** Source side: newest failure bucket of a port whose successes its scan state keeps. */
const S_TRW = 6;

/** `vms` rows with no tracks and no probes. */
function newSides(vms: number): Int32Array {
  const a = new Int32Array(vms * SIDE_WORDS);
  for (let v = 0; v < vms; v++) a[v * SIDE_WORDS] = a[v * SIDE_WORDS + 1] = -1;
  return a;
}
