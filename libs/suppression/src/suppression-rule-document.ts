import type { FindingKind, FindingRole } from '@sg/queues';

/**
 * An approved exception as detection loads it (same shape as @sg/detection's SuppressionRule):
 * a finding that matches is still delivered, with `suppressed` set, and opens no case.
 */
export interface SuppressionRuleDocument {
  id: string;
  /** Exactly one of the three is set: the scope the exception was approved for. */
  scope: { vmId?: string; deploymentId?: string; subscriptionId?: string };
  kind: FindingKind;
  /** Absent: both roles. */
  role?: FindingRole;
  /** CIDRs; when given, every top peer of a finding must lie inside one of them. */
  peerPrefixes?: string[];
  /** When given, every port of a finding must be one of them. */
  ports?: number[];
  reason: string;
  /** ISO 8601; compared with the finding's lastSeen (event time), as detection does. */
  expiresAt?: string;
}
