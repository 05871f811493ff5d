import type { FindingKind, FindingRole } from './finding';

/**
 * An approved exception. A finding that matches is still emitted, with `suppressed` set.
 * Scope narrows by VM, deployment or subscription (at least one should be given; none = every VM).
 * With peerPrefixes and/or ports, the finding is suppressed only if all of its evidence (top peers,
 * ports) lies inside them: a mail relay's exception for its usual servers does not hide a scan.
 */
export interface SuppressionRule {
  id: string;
  scope: { vmId?: string; deploymentId?: string; subscriptionId?: string };
  kind: FindingKind;
  role?: FindingRole;
  /** CIDRs (IPv4 or IPv6); a bare address is a host prefix. */
  peerPrefixes?: string[];
  ports?: number[];
  reason: string;
  /** ISO-8601 or epoch ms; compared with the finding's lastSeen (event time), so replays are stable. */
  expiresAt?: string | number;
}
