import type { DbAlertSeverity } from '../servers/db-server-policy.entity';

export type DbAlertState = 'open' | 'dismissed' | 'resolved';

/** An alert as the API shows it. */
export interface DbAlert {
  id: string;
  serverId: string;
  subscriptionId: string;
  type: string;
  title: string;
  severity: DbAlertSeverity;
  state: DbAlertState;
  sourceIp: string;
  user: string;
  database: string;
  application: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  evidence: Record<string, unknown>;
  suppressedBy: string | null;
  mailedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DbAlertTimelineEntry {
  at: string;
  kind: string;
  actor: string;
  note: string;
  details: Record<string, unknown>;
}

/** A suppression rule: every field set must match; unset fields match anything. */
export interface DbAlertSuppression {
  id: string;
  serverId: string | null;
  subscriptionId: string | null;
  alertType: string | null;
  sourceCidr: string | null;
  user: string | null;
  application: string | null;
  reason: string;
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
}

export interface DbAlertFilter {
  serverId?: string;
  type?: string;
  severity?: DbAlertSeverity;
  state?: DbAlertState;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}
