import { createHash } from 'node:crypto';
import { formatDuration } from '@sg/common/config/duration';
import type { FlowRecord } from '@sg/flows';
import type { Detection, PeerEvidence } from './detection';
import {
  FINDING_KINDS,
  KIND_INDEX,
  type FindingKind,
  type FindingRole,
  type FindingStatus,
} from '@sg/queues/finding-vocabulary';
import type { Finding, FindingCounts } from './finding';
import { severityOf } from './severity';
import type { SuppressionSet } from './suppression-set';
import type { VmDirectory } from './vm-directory';

export interface Incident {
  track: number;
  vmSlot: number;
  role: FindingRole;
  kind: FindingKind;
  id: string;
  firstBucket: number;
  firstMs: number;
  lastMs: number;
  lastFired: number;
  lastEmitted: number;
  updates: number;
  detection: Detection;
  samples: FlowRecord[];
  /**
   * The evidence of the last emission came from an eager look at an open bucket: the close of that
   * bucket replaces it (quietly) with the whole bucket's evidence instead of merging into it.
   */
  provisional: boolean;
}

export interface IncidentStats {
  emitted: number;
  suppressed: number;
  ended: number;
  opened: number;
}

/**
 * Turns detections into findings with incident semantics: one id per (VM, role, kind) incident,
 * at most one update per window step while the rule keeps firing, one `ended` after it has been
 * quiet for `endQuietBuckets` steps. Cold path: runs once per fired rule and step.
 */
export class IncidentTracker {
  private readonly active = new Map<number, Incident>();
  readonly stats: IncidentStats = { emitted: 0, suppressed: 0, ended: 0, opened: 0 };

  constructor(
    private readonly directory: VmDirectory,
    private readonly onFinding: (f: Finding) => void,
    private readonly suppression: () => SuppressionSet,
    private readonly bucketMs: number,
    private readonly windowMs: number,
    private readonly quietBuckets: number,
  ) {}

  get size(): number {
    return this.active.size;
  }

  get(track: number, kind: FindingKind): Incident | undefined {
    return this.active.get(track * 8 + KIND_INDEX[kind]);
  }

  /**
   * Records that `d` fired for the side at step `bucket`; emits an update once per step. Returns true
   * for a new incident. `eager`: `d` comes from the open bucket `bucket`; it may open an incident
   * (its first update is the step's update) but leaves running incidents to the steps, so it never
   * adds an update, keeps an incident alive or delays its end.
   */
  fire(
    track: number,
    vmSlot: number,
    role: FindingRole,
    d: Detection,
    bucket: number,
    lastEventMs: number,
    samples: FlowRecord[] | undefined,
    eager = false,
  ): boolean {
    const key = track * 8 + KIND_INDEX[d.kind];
    let inc = this.active.get(key);
    // Only a second detection of the same eager look (a mirror, the other scan shape) joins in.
    if (eager && inc && !(inc.provisional && inc.lastFired === bucket)) return false;
    const lastMs = Math.max(Math.min(d.lastMs || lastEventMs, lastEventMs || d.lastMs), d.firstMs);
    let opened = false;
    if (!inc) {
      const who = this.identity(vmSlot);
      inc = {
        track,
        vmSlot,
        role,
        kind: d.kind,
        id: 'f-' + createHash('sha256').update(`${who.vmId}|${role}|${d.kind}|${bucket}`).digest('hex').slice(0, 24),
        firstBucket: bucket,
        firstMs: d.firstMs || lastMs,
        lastMs,
        lastFired: bucket,
        lastEmitted: -1,
        updates: 0,
        detection: d,
        samples: [],
        provisional: eager,
      };
      this.active.set(key, inc);
      this.stats.opened++;
      opened = true;
    } else if (inc.lastFired === bucket && inc.lastEmitted === bucket && !(inc.provisional && !eager)) {
      // Second detection in the same step (a mirror of the peer's finding): merge evidence quietly.
      inc.detection = mergeEvidence(inc.detection, d);
      inc.lastMs = Math.max(inc.lastMs, lastMs);
      return false;
    }
    if (!opened) {
      // Direction does not flip during an incident, and evidence read from the current bucket
      // (floods, reflection) stays the strongest seen rather than the quiet tail of the window.
      const prev = inc.detection;
      const weight = (x: Detection) => x.topPeers.reduce((t, p) => t + p.packets, 0);
      // Counts are the incident's largest figures (each one at its own peak), not the last
      // step's: an attack winding down leaves the window with its tail only, and the step an
      // update lands on moves with arrival order, so the last step's figures differed with it.
      d = { ...d, internal: prev.internal, counts: peakCounts(prev.counts, d.counts) };
      if (weight(prev) > weight(d) && (d.kind === 'flood' || d.kind === 'amplification'))
        d = { ...d, topPeers: prev.topPeers };
    }
    inc.detection = d;
    if (!eager) inc.provisional = false;
    if (d.firstMs && d.firstMs < inc.firstMs) inc.firstMs = d.firstMs;
    if (lastMs > inc.lastMs) inc.lastMs = lastMs;
    if (bucket > inc.lastFired) inc.lastFired = bucket;
    if (samples) for (const s of samples) if (inc.samples.length < 5 && !inc.samples.includes(s)) inc.samples.push(s);
    if (bucket > inc.lastEmitted) {
      inc.lastEmitted = bucket;
      this.emit(inc, 'active');
    }
    return opened;
  }

  /** Ends the side's incidents that have not fired since `bucket - quiet`. Returns how many remain. */
  endQuiet(track: number, bucket: number): number {
    let left = 0;
    for (let k = 0; k < FINDING_KINDS.length; k++) {
      const inc = this.active.get(track * 8 + k);
      if (!inc) continue;
      if (bucket - inc.lastFired > this.quietBuckets) this.end(inc);
      else left++;
    }
    return left;
  }

  endAll(track: number): void {
    for (let k = 0; k < FINDING_KINDS.length; k++) {
      const inc = this.active.get(track * 8 + k);
      if (inc) this.end(inc);
    }
  }

  countFor(track: number): number {
    let n = 0;
    for (let k = 0; k < FINDING_KINDS.length; k++) if (this.active.has(track * 8 + k)) n++;
    return n;
  }

  /** Kinds (bit KIND_INDEX) with an active incident on the side. */
  kindMask(track: number): number {
    let m = 0;
    for (let k = 0; k < FINDING_KINDS.length; k++) if (this.active.has(track * 8 + k)) m |= 1 << k;
    return m;
  }

  private end(inc: Incident): void {
    this.active.delete(inc.track * 8 + KIND_INDEX[inc.kind]);
    this.stats.ended++;
    this.emit(inc, 'ended');
  }

  private identity(vmSlot: number) {
    return this.directory.describe(vmSlot) ?? { vmId: `vm-slot-${vmSlot}`, deploymentId: '', subscriptionId: '' };
  }

  private emit(inc: Incident, status: FindingStatus): void {
    const d = inc.detection;
    const who = this.identity(inc.vmSlot);
    inc.updates++;
    const f: Finding = {
      id: inc.id,
      vmId: who.vmId,
      deploymentId: who.deploymentId,
      subscriptionId: who.subscriptionId,
      role: inc.role,
      direction: d.internal ? 'internal' : inc.role === 'source' ? 'outbound' : 'inbound',
      kind: inc.kind,
      subkind: d.subkind,
      severity: severityOf(inc.kind, inc.role, d.subkind),
      firstSeen: new Date(inc.firstMs).toISOString(),
      lastSeen: new Date(inc.lastMs).toISOString(),
      counts: { ...d.counts },
      topPeers: d.topPeers.slice(0, 10).map(({ ip, flows, packets, bytes }) => ({ ip, flows, packets, bytes })),
      ports: d.ports.slice(0, 20),
      sampleFlows: inc.samples.slice(0, 5),
      rule: {
        name: d.ruleName,
        threshold: d.threshold,
        observed: d.observed,
        window: formatDuration(inc.kind === 'flood' ? this.bucketMs : this.windowMs),
        description: d.description,
      },
      status,
      updates: inc.updates,
    };
    const s = this.suppression().match(f);
    if (s) {
      f.suppressed = s;
      this.stats.suppressed++;
    }
    this.stats.emitted++;
    this.onFinding(f);
  }
}

function peakCounts(a: FindingCounts, b: FindingCounts): FindingCounts {
  return {
    flows: Math.max(a.flows, b.flows),
    packets: Math.max(a.packets, b.packets),
    bytes: Math.max(a.bytes, b.bytes),
    distinctPeers: Math.max(a.distinctPeers, b.distinctPeers),
    distinctPorts: Math.max(a.distinctPorts, b.distinctPorts),
  };
}

function mergeEvidence(a: Detection, b: Detection): Detection {
  const byIp = new Map<string, PeerEvidence>();
  for (const p of [...a.topPeers, ...b.topPeers]) if (!byIp.has(p.ip)) byIp.set(p.ip, p);
  const ports = [...new Set([...a.ports, ...b.ports])];
  return { ...a, topPeers: [...byIp.values()].slice(0, 10), ports: ports.slice(0, 20) };
}
