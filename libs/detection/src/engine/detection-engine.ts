import {
  FlowBatch,
  inPartition,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  RecordFlag,
  TcpFlag,
} from '@sg/flows/flow-batch';
import type { FlowRecord } from '@sg/flows/flow-record';
import { AmplificationDetector } from './amplification.detector';
import { BruteForceDetector, BruteForceState, LOGIN_STATE_FROM_PEERS } from './brute-force.detector';
import { resolveDetectionConfig, type DetectionConfig, type DetectionConfigInput } from './detection-config';
import { formatPeer, type Detection, type EvalWindow, type HeavyPeers, type PeerEvidence } from './detection';
import { DetectorStates } from './detector-states';
import { EagerQueue } from './eager-queue';
import { KIND_INDEX, type FindingKind, type FindingRole } from '@sg/queues/finding-vocabulary';
import type { Finding, FindingCounts, PeerFigures } from './finding';
import { FloodDetector } from './flood.detector';
import {
  AMP_REQ,
  AMP_RESP,
  AUTH_LONG,
  DENY,
  EST,
  FlowClassifier,
  ICMP_REPLY,
  LOGIN,
  P_DIST,
  P_SPAM,
  PROBE,
  REFLECT,
  REFLECT_SRC,
  SMTP,
  SRC_INIT,
  STRATUM,
  SYN_LIKE,
} from './flow-classifier';
import { addressKey, fmix32, pairHash } from './hash';
import { IncidentTracker } from './incident-tracker';
import {
  ALL_KINDS,
  K_AMP,
  K_BRUTE,
  K_FLOOD,
  K_INTEL,
  K_MINING,
  K_SCAN,
  K_SPAM,
  KIND_BIT_AMP,
  KIND_BIT_BRUTE,
  KIND_BIT_FLOOD,
  KIND_BIT_INTEL,
  KIND_BIT_MINING,
  KIND_BIT_SCAN,
  KIND_BIT_SPAM,
} from './kind-bits';
import { MaliciousPeerDetector } from './malicious-peer.detector';
import { MiningDetector } from './mining.detector';
import { RolloverHold } from './rollover-hold';
import { ICMP_ECHO_PORT, PortScanDetector } from './port-scan.detector';
import type { RecentPairs } from './recent-pairs';
import { SampleBuffers } from './sample-buffers';
import type { SlidingDistinct } from './sliding-distinct';
import { SpamDetector } from './spam.detector';
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
  K_UDP,
  K_VM,
  NK,
  TrackStore,
} from './track-store';
import type { VmDirectory } from './vm-directory';
import { S_FILTER, S_PROBE, S_TRW, SIDE_WORDS, VmRows } from './vm-rows';

const SOURCE = 1;
const TARGET = 2;

// Copied once: a name imported through a barrel (`export *`) is a getter call on every access.
const FLAGS_KNOWN: number = RecordFlag.TCP_FLAGS_KNOWN;
const F_SYN: number = TcpFlag.SYN;
const TCP: number = PROTO_TCP;
const UDP: number = PROTO_UDP;
const ICMP: number = PROTO_ICMP;
const ICMP6: number = PROTO_ICMPV6;
/** Records whose lines VmRows.warm() loads ahead of feeding them. */
const WARM_CHUNK = 32;

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
  /** Record ends held until every input reached their bucket (see RolloverHold), and held now. */
  heldForInputs: number;
  heldNow: number;
  /** Times the hold was full and let everything go on (as without holding). */
  holdForced: number;
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
  /** When the firing rule's own flows were last seen (end of their latest bucket; floods: the flow's end). */
  patternLastMs?: number;
  counts?: FindingCounts;
  topPeers?: PeerFigures[];
  reason: string;
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
  /** Per VM slot: the tracks of both sides, probe state and recent pairs (vm-rows.ts). */
  private readonly vmRows: VmRows;
  /** Per VM: (peer, port) pairs it reached successfully in the last one to two windows (vmRows.known). */
  private readonly known: RecentPairs;
  private readonly classifier: FlowClassifier;
  /** The classifier's port tables (never replaced). */
  private readonly portClass: Uint8Array;
  private readonly ampIndex: Int8Array;
  /** Detector states per track. */
  private readonly states: DetectorStates;
  /** Example records per track and kind. */
  private readonly samples: SampleBuffers;
  /** Sides waiting for an eager look (README, "Eager evaluation"). */
  private readonly eager: EagerQueue;
  private readonly lookEager = (tr: number, kinds: number) => this.evaluateEager(tr, kinds);
  private readonly W: number;
  private readonly L: number;
  private readonly R: number;
  private readonly bucketMs: number;
  private readonly rateSlotMs: number;
  private readonly heavyOf: HeavyPeers = (tr, received, from, to) => this.heavyPeers(tr, received, from, to);
  private readonly partIndex: number;
  private readonly partCount: number;
  /** Flow-bus partition of each VM slot (setBusPartitions); only read for batches from the bus. */
  private busPartOfSlot: Int16Array = new Int16Array(0);
  /** Keeps warm()'s loads observable so the compiler cannot drop them. */
  private warmSink = 0;

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
  /**
   * Engine clock: newest event time seen or passed to advance(); while a flow-bus batch is
   * processed, that batch's partition's clock (partClocks).
   */
  private clock = 0;
  /**
   * Per flow-bus partition (grown on its first batch; empty when no batch came from the bus): its
   * own event clock. A detector reads each owned partition at its own pace, and live the next
   * message of a quiet partition may not be in the stream yet while a busy one's is: one clock for
   * all of them, moved by the busy one, closed and slid the quiet one's VMs' windows before their
   * records came (other evidence figures than one process gives). Each partition's records come in
   * order, so with a clock per partition a VM's windows move exactly with its own partition's
   * records, as they move with all records in one process.
   */
  private partClocks = new Float64Array(0);
  /** Engine-clock bucket at the start of the current batch (when its records "arrived"). */
  private arrivalBucket = 0;
  /** Wall clock when the last batch came in (0: none yet); see advanceIdle(). */
  private inputWallMs = 0;
  /** Ends of records waiting for the inputs' watermark to reach their bucket. */
  private readonly hold: RolloverHold;
  /** Event time every input has reached (the batch's watermark; Infinity: no input says). */
  private holdUntil = Infinity;
  private readonly feedHeld = (b: FlowBatch, i: number, role: number): void => {
    let t = b.endMs[i];
    if (!(t > 0)) t = b.startMs[i];
    const bucket = Math.floor(t / this.bucketMs);
    const vm = role === SOURCE ? b.srcVm[i] : b.dstVm[i];
    const peer = role === SOURCE ? b.dstAddr : b.srcAddr;
    const peerVm = role === SOURCE ? b.dstVm[i] : b.srcVm[i];
    const cls = this.classifier.classify(b, i);
    this.feed(b, i, this.trackFor(vm, role, bucket), role, peer, peerVm, t, bucket, cls);
  };

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
    this.store = new TrackStore(
      cfg.limits.topK,
      Math.max(1, Math.ceil(cfg.bucketMs / cfg.minRateSpanMs)),
      cfg.bucketMs,
    );
    this.vmRows = new VmRows(this.W);
    this.known = this.vmRows.known;
    this.classifier = new FlowClassifier(cfg);
    this.portClass = this.classifier.portClass;
    this.ampIndex = this.classifier.ampIndex;
    // Failed pairs on a port before the port's answered hosts are kept for the TRW ratio.
    this.states = new DetectorStates(cfg, this.R, Math.max(1, Math.floor(cfg.portScan.horizontalHosts / 3)));
    this.samples = new SampleBuffers(this.W);
    this.wallClock = opts.wallClock ?? Date.now;
    this.hold = new RolloverHold(cfg.bucketMs);
    this.eager = new EagerQueue(cfg.eagerIntervalMs, opts.monotonicClock ?? (() => performance.now()));
    this.intel = opts.threatIntel;
    this.suppression = new SuppressionSet(opts.suppressionRules ?? []);

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

  /**
   * The flow-bus partition of every VM slot (a detector process, FLOW_BUS=nats): of a batch from
   * bus partition p (batch.busPartition), only the VM ends whose partition is p are analysed; the
   * other end stays in the record as the peer, with the direction (VM-to-VM findings and mirrors
   * need both). A VM-to-VM record reaches the bus in both VMs' partitions, so each end is analysed
   * once, by its own partition's detector. Batches not from the bus (busPartition -1) are not
   * affected; a slot past the array's end is in no partition.
   */
  setBusPartitions(partitionOfSlot: Int16Array): void {
    this.busPartOfSlot = partitionOfSlot;
  }

  /** Swaps the threat lists (a ThreatIntel also reloads itself in place). */
  setThreatIntel(intel: ThreatIntel | undefined): void {
    this.intel = intel;
  }

  /** Feeds a batch. The batch is reused by the caller afterwards: nothing here keeps a reference to it. */
  process(batch: FlowBatch): void {
    const n = batch.length;
    if (n === 0) return;
    const wallNow = this.wallClock();
    this.inputWallMs = wallNow;
    const futureLimit = wallNow + this.config.maxFutureSkewMs;
    const bucketMs = this.bucketMs;
    const { startMs, endMs, srcVm, dstVm } = batch;
    const bp = batch.busPartition;
    if (bp >= 0) {
      if (bp >= this.partClocks.length) this.growPartClocks(bp + 1);
      this.clock = this.partClocks[bp];
    }
    let maxT = this.clock;
    this.arrivalBucket = Math.floor(this.clock / bucketMs);
    // What waited for the inputs goes on first, before anything newer of the same sides.
    const wm0 = batch.watermarkMs > 0 ? batch.watermarkMs : Infinity;
    this.releaseHeld(wm0);
    this.holdUntil = wm0;
    const pc = this.partCount;
    const pi = this.partIndex;
    const bus = bp >= 0 ? this.busPartOfSlot : null;
    let sink = 0;
    for (let i = 0; i < n; i++) {
      if ((i & (WARM_CHUNK - 1)) === 0)
        sink ^= this.vmRows.warm(this.store, srcVm, dstVm, i, Math.min(n, i + WARM_CHUNK));
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
      const ownS = inPartition(s, pi, pc) && (bus === null || bus[s] === bp);
      const ownD = inPartition(d, pi, pc) && (bus === null || bus[d] === bp);
      if (!ownS && !ownD) continue;
      this.st.records++;
      if (t > maxT) maxT = t;
      const bucket = Math.floor(t / bucketMs);
      const cls = this.classifier.classify(batch, i);
      if (ownS) this.feed(batch, i, this.trackFor(s, SOURCE, bucket), SOURCE, batch.dstAddr, d, t, bucket, cls);
      if (ownD) this.feed(batch, i, this.trackFor(d, TARGET, bucket), TARGET, batch.srcAddr, s, t, bucket, cls);
    }
    this.warmSink ^= sink;
    // Inputs side by side (uploads): the clock goes as far as all of them have (see FlowBatch.watermarkMs).
    const wm = batch.watermarkMs;
    if (wm > 0 && wm < maxT) maxT = wm > this.clock ? wm : this.clock;
    const crossed = Math.floor(maxT / bucketMs) > Math.floor(this.clock / bucketMs);
    this.clock = maxT;
    if (bp >= 0) this.partClocks[bp] = maxT;
    if (crossed) this.sweep(bp);
    if (this.eager.count > 0) this.eager.drain(this.store, this.lookEager);
  }

  /**
   * Moves the engine clock (event time) to nowMs if it is ahead: closes buckets of sides that
   * went quiet, ends incidents that stopped, evicts idle sides. Call it on a timer.
   */
  advance(nowMs: number): void {
    if (nowMs > this.clock) this.clock = nowMs;
    const pcs = this.partClocks;
    for (let k = 0; k < pcs.length; k++) if (nowMs > pcs[k]) pcs[k] = nowMs;
    this.releaseHeld(nowMs);
    this.sweep(-1);
    if (this.eager.count > 0) this.eager.drain(this.store, this.lookEager);
  }

  /**
   * Flow-bus partition p has nothing more to deliver for now (its pull has waited a while with
   * nothing pending): its clock catches up with the newest partition clock, no further than
   * boundMs (the publishing collectors' uploads; 0: no bound), so its quiet sides close, slide and
   * end as they would on one shared clock. Without it a partition whose VMs went quiet would keep
   * their incidents open for as long as the process is busy with other partitions (advanceIdle
   * waits for all input to stop).
   */
  partitionIdle(p: number, boundMs: number): void {
    if (!(p >= 0 && p < this.partClocks.length)) return;
    let t = this.newestPartClock();
    if (boundMs > 0 && boundMs < t) t = boundMs;
    const was = this.partClocks[p];
    if (!(t > was)) return;
    this.partClocks[p] = t;
    if (Math.floor(t / this.bucketMs) === Math.floor(was / this.bucketMs)) return;
    this.sweep(p);
    if (this.eager.count > 0) this.eager.drain(this.store, this.lookEager);
  }

  /**
   * The timer's advance (wall clock): moves the engine clock to wallNowMs only once no batch has
   * come in for idleAfterMs. While records come in, time is theirs: cloud flow logs arrive minutes
   * after the fact, an upload may hold the last hour, and a clock set to the wall clock in the
   * middle of it would close, slide and evict VM sides by when their records were received — the
   * same lines sent faster or slower would give other findings. Once the input is quiet, the
   * wall clock ends what stopped, as advance() does.
   */
  advanceIdle(wallNowMs: number, idleAfterMs: number): void {
    if (this.inputWallMs === 0 || wallNowMs - this.inputWallMs < idleAfterMs) return;
    this.advance(wallNowMs);
  }

  /**
   * Whether the pattern is still present for the VM side: the rule evaluated now over the last
   * windowMs (limited to the window plus lateness the engine holds), or an incident of that kind
   * that fired within windowMs of nowMs.
   */
  recheck(vmSlot: number, role: FindingRole, kind: FindingKind, windowMs: number, nowMs: number): RecheckResult {
    const r = role === 'source' ? SOURCE : TARGET;
    const tr = this.vmRows.track(vmSlot, r === SOURCE ? 0 : 1);
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
      patternLastMs: d?.lastMs,
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
    const inc = this.incidents.stats;
    return {
      ...this.st,
      heldForInputs: this.hold.total,
      heldNow: this.hold.length,
      holdForced: this.hold.forced,
      tracks: this.store.live,
      findingsEmitted: inc.emitted,
      findingsSuppressed: inc.suppressed,
      findingsEnded: inc.ended,
      incidentsOpened: inc.opened,
      activeIncidents: this.incidents.size,
      trackedEntries: this.store.live * this.store.k + this.states.entries(),
      droppedRows: this.states.dropped(),
    };
  }

  // ---------------------------------------------------------------- hot path

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
      // Another input has not reached this bucket yet: closing the side's bucket now would make
      // that input's records of it late (RolloverHold). Wait for the watermark.
      if (bucket * this.bucketMs > this.holdUntil) {
        if (this.hold.full) this.releaseHeld(Infinity, true);
        this.hold.add(b, i, role, t);
        return;
      }
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
        const other = this.vmRows.words[vmSlot * SIDE_WORDS + (role === SOURCE ? 1 : 0)];
        this.eager.mark(tr, K_FLOOD, this.floodDetector.level(store, tr, j, other, role === TARGET));
      }
      if (this.samples.full[tr] & KIND_BIT_FLOOD) {
        // full: nothing to sample
      } else if (
        f32[c + C_SYN_PK] >= 1000 ||
        f32[c + C_UDP_PK] >= 5000 ||
        f32[c + C_ICMP_PK] >= 2500 ||
        f32[c + C_PACKETS] >= 100_000
      ) {
        this.samples.add(tr, KIND_BIT_FLOOD, b, i, bucket);
      }
    } else {
      this.st.lateAccepted++;
    }

    const vm = i32[blk + H_VM];
    if (cls & PROBE) {
      let sc = this.states.scan[tr];
      if (!sc) sc = this.states.newScan(tr, role === SOURCE);
      const port = pr === TCP || pr === UDP ? b.dstPort[i] : ICMP_ECHO_PORT;
      const key = addressKey(peer, off, fam);
      // Horizontal scans of mail ports are the spam rule's (the scan rule skips them).
      const horizontal = role === SOURCE && (port > 65535 || (this.portClass[port] & P_SPAM) === 0);
      const level = sc.probe(peer, off, fam, port, peerVm, bucket, ws, pk, by, key, horizontal);
      if (level >= 1 && (active & KIND_BIT_SCAN) === 0) this.eager.mark(tr, K_SCAN, level);
      this.vmRows.noteProbe(vm, role === SOURCE ? 0 : 1, bucket, key);
      if (role === SOURCE) this.vmRows.words[vm * SIDE_WORDS + S_TRW] = sc.keepingSuccessesUntil();
      if ((this.samples.full[tr] & KIND_BIT_SCAN) === 0 && sc.pairs.size >= 8)
        this.samples.add(tr, KIND_BIT_SCAN, b, i, bucket);
    } else if (cls & (EST | ICMP_REPLY)) {
      const icmp = (cls & ICMP_REPLY) !== 0;
      const key = addressKey(peer, off, fam);
      // Scan states are only touched when a side saw probes lately (read from the VM's line).
      // Only a source side keeps successes of peers it never probed (TRW on a failing port).
      const sides = this.vmRows.words;
      const sv = vm * SIDE_WORDS;
      const own = role === SOURCE ? 0 : 1;
      const bit = 1 << (fmix32(key) & 31);
      if (!icmp && sides[sv + S_PROBE + own] >= ws) {
        const may = (sides[sv + S_FILTER + own] & bit) !== 0;
        if (may || (own === 0 && sides[sv + S_TRW] >= ws)) {
          const sc = this.states.scan[tr];
          if (sc) sc.success(peer, off, fam, b.dstPort[i], peerVm, bucket, ws, may);
        }
      }
      const other = sides[sv + 1 - own];
      if (other >= 0 && sides[sv + S_PROBE + 1 - own] >= ws) {
        const may = (sides[sv + S_FILTER + 1 - own] & bit) !== 0;
        if (may || (own === 1 && sides[sv + S_TRW] >= ws)) {
          const so2 = this.states.scan[other];
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
      let bf = this.states.brute[tr];
      if (!bf) bf = this.states.newBrute(tr);
      const known = (b.flags[i] & FLAGS_KNOWN) !== 0;
      const syn = known ? ((b.tcpFlags[i] & F_SYN) !== 0 ? 1 : 0) : -1;
      const flows = bf.attempt(peer, off, fam, b.dstPort[i], peerVm, bucket, ws, b.srcPort[i], syn, pk, by);
      if ((this.samples.full[tr] & KIND_BIT_BRUTE) === 0 && flows >= 10)
        this.samples.add(tr, KIND_BIT_BRUTE, b, i, bucket);
      if (bf.lastFresh && (active & KIND_BIT_BRUTE) === 0) this.bruteTrigger(tr, bf, role, ws, cur);
      // All sources together (distributed rule): a new session, also when the pair table was full.
      const dist = role === TARGET && (this.portClass[b.dstPort[i]] & P_DIST) !== 0;
      // The state is made once the side holds LOGIN_STATE_FROM_PEERS login pairs (a VM whose few
      // admins log in holds none; a botnet gets there within its first sessions).
      if (dist && (bf.lastRow >= 0 ? bf.lastFresh : syn !== 0)) {
        let ls = this.states.logins[tr];
        if (!ls && bf.rows.size >= LOGIN_STATE_FROM_PEERS) ls = this.states.newLogins(tr);
        if (ls) ls.session(b.dstPort[i], bucket, true, addressKey(peer, off, fam), pk);
      }
    } else if (cls & AUTH_LONG && role === TARGET && (this.portClass[b.dstPort[i]] & P_DIST) !== 0) {
      // A longer session to a login service: the share of login-sized ones falls (later records of
      // one session carry no SYN; without flags each record counts, which only lowers the share).
      // Counted once the side's state exists (made with its login-sized sessions, above): both counts
      // start at the same moment, so the share is not skewed, and a service without them holds nothing.
      const ls = this.states.logins[tr];
      if (ls && ((b.flags[i] & FLAGS_KNOWN) === 0 || (b.tcpFlags[i] & F_SYN) !== 0))
        ls.session(b.dstPort[i], bucket, false, 0, pk);
    }

    if (cls & (AMP_REQ | AMP_RESP)) {
      let am = this.states.amp[tr];
      if (!am) am = this.states.newAmp(tr);
      const key = addressKey(peer, off, fam);
      if (cls & AMP_REQ) am.request(bucket, pk, by, key, role === SOURCE);
      if (cls & AMP_RESP) {
        am.response(bucket, pk, by, key, this.ampIndex[b.srcPort[i]], role === SOURCE);
        if (cls & DENY && role === TARGET) am.deniedResponse(bucket, key);
      }
      if ((active & KIND_BIT_AMP) === 0)
        this.eager.mark(tr, K_AMP, this.ampDetector.level(am, role === SOURCE, ws, cur, (cls & DENY) !== 0));
      if ((this.samples.full[tr] & KIND_BIT_AMP) === 0 && am.bucketPackets(bucket) >= 200)
        this.samples.add(tr, KIND_BIT_AMP, b, i, bucket);
    }

    if (cls & REFLECT && role === TARGET) {
      const st = this.reflection(b, i, tr, vm, peer, off, fam, bucket, cls, pk);
      // Flows bound the distinct answerers from above.
      if (st !== null && (active & KIND_BIT_AMP) === 0)
        this.eager.mark(tr, K_AMP, st.flows(ws, cur) / this.config.amplification.tcpReflectionMinSources);
    }

    if (role === SOURCE) {
      if (cls & SMTP) {
        let sm = this.states.spam[tr];
        if (!sm) sm = this.states.newSpam(tr);
        sm.flow(peer, off, fam, addressKey(peer, off, fam), b.dstPort[i], peerVm, bucket, ws, pk, by);
        // Rows are (server, port) pairs kept past the window: an upper bound of the distinct servers.
        if ((active & KIND_BIT_SPAM) === 0) this.eager.mark(tr, K_SPAM, sm.rows.size / this.config.spam.minServers);
        if ((this.samples.full[tr] & KIND_BIT_SPAM) === 0 && sm.rows.size >= 10)
          this.samples.add(tr, KIND_BIT_SPAM, b, i, bucket);
      }
      if (cls & STRATUM && peerVm < 0) {
        let mi = this.states.stratum[tr];
        if (!mi) mi = this.states.newStratum(tr);
        const row = mi.flow(peer, off, fam, b.dstPort[i], peerVm, bucket, ws, pk, by);
        if (row >= 0 && (active & KIND_BIT_MINING) === 0)
          this.eager.mark(tr, K_MINING, mi.rows.slotsActive(row, ws, cur) / this.config.mining.minBuckets);
        if ((this.samples.full[tr] & KIND_BIT_MINING) === 0) this.samples.add(tr, KIND_BIT_MINING, b, i, bucket);
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
      const src = this.vmRows.words[vm * SIDE_WORDS];
      if (src >= 0 && this.vmRows.mayHaveProbed(vm, 0, key)) {
        const sc = this.states.scan[src];
        if (sc && sc.pairs.find(peer, off, fam, sp) >= 0) return null;
      }
    }
    let st = this.states.refl[tr];
    if (!st) st = this.states.newRefl(tr);
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
    let st = this.states.hits[ht];
    if (!st) st = this.states.newHits(ht);
    const servicePort = srcInit ? b.dstPort[i] : b.srcPort[i];
    st.hit(peer, off, fam, servicePort, -1, bucket, this.store.cur(ht) - this.W + 1, mask, pk, by);
    const miningBit = this.intel ? this.intel.categoryBit(this.config.mining.category) : 0;
    const bit = mask & ~miningBit ? KIND_BIT_INTEL : KIND_BIT_MINING;
    if ((this.samples.full[ht] & bit) === 0) this.samples.add(ht, bit, b, i, bucket);
    if ((this.store.activeKinds(ht) & bit) === 0)
      this.eager.mark(ht, bit === KIND_BIT_INTEL ? K_INTEL : K_MINING, st.flows / this.config.maliciousPeer.minFlows);
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
    this.eager.mark(tr, K_BRUTE, level);
  }

  /** Feeds the held record ends whose bucket the inputs reached by `untilMs` (all when forced). */
  private releaseHeld(untilMs: number, forced = false): void {
    if (!this.hold.due(untilMs)) return;
    if (forced) this.hold.forced++;
    const until = this.holdUntil;
    // While releasing, nothing released is held again.
    this.holdUntil = Infinity;
    this.hold.release(untilMs, this.feedHeld);
    this.holdUntil = until;
  }

  private trackFor(vm: number, role: number, bucket: number): number {
    if (vm * SIDE_WORDS >= this.vmRows.words.length) this.vmRows.grow(vm + 1);
    const own = role === SOURCE ? 0 : 1;
    let t = this.vmRows.words[vm * SIDE_WORDS + own];
    if (t < 0) {
      t = this.store.alloc(vm, role, bucket);
      this.vmRows.words[vm * SIDE_WORDS + own] = t;
      this.vmRows.clearProbes(vm, own);
      const cap = this.store.capacity;
      if (cap > this.samples.capacity) this.samples.grow(cap);
      if (cap > this.eager.capacity) this.eager.grow(cap);
      this.samples.admit(t);
      this.eager.admit(t);
      if (role === SOURCE) this.known.reset(vm);
    }
    return t;
  }

  // ---------------------------------------------------------------- window steps (cold)

  /**
   * Closes, slides and evicts sides on the engine clock: with flow-bus partitions (partClocks),
   * each side on its own partition's clock, and only partition `only`'s sides when it is not -1.
   */
  private sweep(only: number): void {
    const store = this.store;
    const lateness = this.config.allowedLatenessMs;
    const idleBuckets = Math.ceil(this.config.idleTimeoutMs / this.bucketMs);
    const tail = this.W + this.config.endQuietBuckets + 1;
    // Without bus partitions every side goes by the engine clock, and the loops ask nothing per side.
    const byPart = this.partClocks.length > 0;
    // A side whose slot has no partition of ours (inventory changed) goes by the newest clock.
    const newest = byPart ? this.newestPartClock() : this.clock;
    let clock = this.clock;
    let closedBefore = Math.floor((clock - lateness) / this.bucketMs);
    let clockBucket = Math.floor(clock / this.bucketMs);
    for (let tr = 0; tr < store.high; tr++) {
      if (store.role(tr) === 0) continue;
      if (byPart) {
        const c = this.sideClock(tr, only, newest);
        if (Number.isNaN(c)) continue;
        if (c !== clock) {
          clock = c;
          closedBefore = Math.floor((clock - lateness) / this.bucketMs);
          clockBucket = Math.floor(clock / this.bucketMs);
        }
      }
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
      if (store.role(tr) === 0) continue;
      const c = byPart ? this.sideClock(tr, only, newest) : this.clock;
      if (!Number.isNaN(c) && Math.floor(c / this.bucketMs) - store.arrival(tr) >= idleBuckets) this.evict(tr);
    }
  }

  /**
   * The clock side `tr` goes by with flow-bus partitions: its partition's (`newest` for a slot in
   * none of ours); NaN when `only` is not -1 and the side is elsewhere.
   */
  private sideClock(tr: number, only: number, newest: number): number {
    const pcs = this.partClocks;
    const vm = this.store.vm(tr);
    const bus = this.busPartOfSlot;
    const part = vm >= 0 && vm < bus.length ? bus[vm] : -1;
    if (only >= 0 && part !== only) return NaN;
    return part >= 0 && part < pcs.length ? pcs[part] : newest;
  }

  private newestPartClock(): number {
    let t = this.clock;
    for (let k = 0; k < this.partClocks.length; k++) if (this.partClocks[k] > t) t = this.partClocks[k];
    return t;
  }

  private growPartClocks(n: number): void {
    const next = new Float64Array(n);
    next.set(this.partClocks);
    this.partClocks = next;
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
    this.eager.stepped(tr);
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
    this.samples.stepped(tr, e);
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
    return this.samples.of(tr, KIND_INDEX[kind]);
  }

  /** Runs the detectors of the kinds in `kinds` (bits KIND_INDEX) and keeps only their detections. */
  private runDetectors(tr: number, win: EvalWindow, out: Detection[], kinds: number): void {
    const store = this.store;
    const isSource = store.role(tr) === SOURCE;
    const role: FindingRole = isSource ? 'source' : 'target';
    const vm = store.vm(tr);
    const other = this.vmRows.track(vm, isSource ? 1 : 0);

    let ampFired = false;
    const am = this.states.amp[tr];
    // Floods need the amplification verdict too: reflected UDP is reported as amplification.
    if (am && (kinds & (KIND_BIT_AMP | KIND_BIT_FLOOD)) !== 0) {
      const mine: Detection[] = [];
      const otherAmp = other >= 0 ? this.states.amp[other] : undefined;
      ampFired = isSource
        ? this.ampDetector.evaluateSource(am, otherAmp, win, this.heavyOf, tr, mine)
        : this.ampDetector.evaluateTarget(am, otherAmp, win, this.heavyOf, tr, mine);
      if (kinds & KIND_BIT_AMP) out.push(...mine);
    }
    const rf = this.states.refl[tr];
    if (rf && !ampFired && (kinds & KIND_BIT_AMP) !== 0) {
      // Probe pairs the VM's own source side holds (and refused): its answers are no reflection.
      const sc = other >= 0 ? this.states.scan[other] : undefined;
      const ownProbes = sc ? sc.pairs.size + sc.pairs.dropped : 0;
      this.reflDetector.evaluate(rf, win, ownProbes, () => this.heavyPeers(tr), out);
    }
    if (kinds & KIND_BIT_FLOOD) this.floodDetector.evaluate(store, tr, other, role, win, ampFired, out);
    const sc = this.states.scan[tr];
    if (sc && (kinds & KIND_BIT_SCAN) !== 0) {
      const before = sc.entries;
      this.scanDetector.evaluate(sc, role, win, out, isSource ? this.known : undefined, vm);
      if (sc.entries < before) {
        // Rows were purged: rebuild the side's peer filter so it keeps skipping lookups.
        const own = isSource ? 0 : 1;
        this.vmRows.clearFilter(vm, own);
        sc.forEachPeerKey((k) => this.vmRows.filterAdd(vm, own, k));
      }
    }
    const bf = this.states.brute[tr];
    if (bf && (kinds & KIND_BIT_BRUTE) !== 0) this.bruteDetector.evaluate(bf, role, win, out);
    const ls = this.states.logins[tr];
    if (ls && (kinds & KIND_BIT_BRUTE) !== 0) this.bruteDetector.evaluateDistributed(ls, bf, win, out);
    const sm = this.states.spam[tr];
    if (sm && (kinds & KIND_BIT_SPAM) !== 0) this.spamDetector.evaluate(sm, win, out);
    const ht = this.states.hits[tr];
    if (ht && this.intel && (kinds & (KIND_BIT_INTEL | KIND_BIT_MINING)) !== 0)
      this.intelDetector.evaluate(ht, this.intel, role, win, out);
    const mi = this.states.stratum[tr];
    if (mi && (kinds & KIND_BIT_MINING) !== 0 && !out.some((d) => d.kind === 'mining'))
      this.miningDetector.evaluate(mi, win, out);
    if ((kinds & ALL_KINDS) !== ALL_KINDS) {
      for (let j = out.length - 1; j >= 0; j--) if ((kinds & (1 << KIND_INDEX[out[j].kind])) === 0) out.splice(j, 1);
    }
  }

  /** The side's heaviest peers in its current bucket, as evidence. */
  /** See `HeavyPeers`. */
  private heavyPeers(tr: number, received?: SlidingDistinct | null, from = 0, to = 0): PeerEvidence[] {
    const store = this.store;
    const out: PeerEvidence[] = [];
    if (received === null) return out;
    const w = new Uint32Array(4);
    for (let j = 0; j < store.k; j++) {
      const r = store.row(tr, j);
      const meta = store.i32[r + K_META];
      if (meta === 0) continue;
      store.rowWords(tr, j, w);
      let packets = store.f32[r + K_PACKETS];
      let bytes = store.f32[r + K_BYTES];
      if (received !== undefined) {
        const udp = store.f32[r + K_UDP];
        if (udp * 2 < packets) continue;
        if (!received.promoted && !received.has(addressKey(w, 0, meta & 7), from, to)) continue;
        bytes = packets > 0 ? (bytes * udp) / packets : 0;
        packets = udp;
      }
      out.push({
        ip: formatPeer(meta & 7, w, 0),
        flows: store.f32[r + K_FLOWS],
        packets,
        bytes,
        vm: store.i32[r + K_VM],
      });
    }
    return out.sort((a, b) => b.packets - a.packets);
  }

  private evict(tr: number): void {
    this.incidents.endAll(tr);
    this.eager.evicted(tr);
    const store = this.store;
    const vm = store.vm(tr);
    const own = store.role(tr) === SOURCE ? 0 : 1;
    this.vmRows.words[vm * SIDE_WORDS + own] = -1;
    this.vmRows.clearProbes(vm, own);
    this.states.clear(tr);
    this.samples.evicted(tr);
    store.release(tr);
    this.st.evicted++;
  }
}
