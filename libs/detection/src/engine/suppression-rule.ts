import type { SuppressionRuleDocument } from '@sg/suppression';

/**
 * An approved exception as the engine takes it: @sg/suppression's rule document (scope, kind,
 * role, peer prefixes, ports, reason, expiry). A finding that matches is still emitted, with
 * `suppressed` set. With peerPrefixes and/or ports, the finding is suppressed only if all of its
 * evidence (top peers, ports) lies inside them: a mail relay's exception for its usual servers does
 * not hide a scan. A bare address in peerPrefixes is a host prefix.
 */
export interface SuppressionRule extends Omit<SuppressionRuleDocument, 'expiresAt'> {
  /** ISO-8601 or epoch ms; compared with the finding's lastSeen (event time), so replays are stable. */
  expiresAt?: string | number;
}
