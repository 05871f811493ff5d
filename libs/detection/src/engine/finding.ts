import type { FlowRecord } from '@sg/flows';
import type {
  FindingDirection,
  FindingKind,
  FindingRole,
  FindingStatus,
  Severity,
} from '@sg/queues/finding-vocabulary';

export interface FindingCounts {
  flows: number;
  packets: number;
  bytes: number;
  distinctPeers: number;
  distinctPorts: number;
}

export interface PeerFigures {
  ip: string;
  flows: number;
  packets: number;
  bytes: number;
}

export interface FindingRule {
  /** Stable rule name, e.g. `port-scan.vertical`. */
  name: string;
  threshold: number;
  observed: number;
  /** The window the rule looked at, e.g. `5m` (flood rates: the bucket, averaged over the span seen). */
  window: string;
  description: string;
}

/**
 * What the engine tells the case system. Plain data (JSON-serializable). One ongoing incident
 * keeps one `id`: the engine sends updates (at most one per window step) while it goes on and
 * one `status: 'ended'` after it stops.
 */
export interface Finding {
  /** Stable for an incident: derived from VM, role, kind and the bucket it started in. */
  id: string;
  vmId: string;
  deploymentId: string;
  subscriptionId: string;
  role: FindingRole;
  direction: FindingDirection;
  kind: FindingKind;
  subkind: string;
  severity: Severity;
  /** ISO-8601 event times. */
  firstSeen: string;
  lastSeen: string;
  /**
   * The incident's traffic at its largest: each figure the highest any step of it reached (a
   * step's window for most kinds, the minute for floods), so it never falls as the attack ends.
   */
  counts: FindingCounts;
  /** At most 10, heaviest first. */
  topPeers: PeerFigures[];
  /** Ports the evidence is about (destination ports probed or attacked), at most 20. */
  ports: number[];
  /** At most 5. */
  sampleFlows: FlowRecord[];
  rule: FindingRule;
  status: FindingStatus;
  /** How many updates this incident has had, this one included. */
  updates: number;
  /** Set when an exception matched: the finding is still delivered, so it is counted, never lost. */
  suppressed?: { ruleId: string; reason: string };
}
