import type { FindingRole } from '@sg/queues';

/**
 * What a suppression rule looks at in a finding: the fields every finding document carries
 * (the cases module's validated input and detection's Finding both fit this shape).
 */
export interface SuppressibleFinding {
  vmId: string;
  deploymentId: string;
  subscriptionId: string;
  role: FindingRole;
  kind: string;
  /** ISO 8601; the event time an expiry is compared with. */
  lastSeen: string;
  topPeers: readonly { ip: string }[];
  ports?: readonly number[];
}
