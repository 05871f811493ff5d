/**
 * A finding as it travels on the "findings" queue from detection to cases: the wire contract
 * between the two domains. Detection sends the whole document on every update of an ongoing
 * incident (same `id`), so cases can merge idempotently.
 */
export type FindingRole = 'source' | 'target';
export type FindingDirection = 'inbound' | 'outbound' | 'internal';
export type FindingKind = 'port-scan' | 'brute-force' | 'flood' | 'amplification' | 'spam' | 'malicious-peer' | 'mining';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface FindingPeer {
  ip: string;
  flows: number;
  packets: number;
  bytes: number;
}

export interface FindingDocument {
  /** Stable for one ongoing incident: updates reuse it. */
  id: string;
  vmId: string;
  deploymentId: string;
  subscriptionId: string;
  role: FindingRole;
  direction: FindingDirection;
  kind: FindingKind;
  subkind?: string;
  severity: Severity;
  /** ISO timestamps (event time). */
  firstSeen: string;
  lastSeen: string;
  counts: { flows: number; packets: number; bytes: number; distinctPeers: number; distinctPorts: number };
  topPeers: FindingPeer[];
  /** A few flow records as objects (see @sg/flows FlowRecord). */
  sampleFlows: Record<string, unknown>[];
  rule: { name: string; threshold: number; observed: number; window: string; description: string };
  status: 'active' | 'ended';
  /** Set when an approved exception matched: the finding is kept and counted, not acted on. */
  suppressed?: { ruleId: string; reason: string } | null;
}
