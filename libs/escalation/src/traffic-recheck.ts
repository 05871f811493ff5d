import type { FindingRole } from '@sg/queues';

export interface TrafficRecheckQuery {
  vmId: string;
  role: FindingRole;
  kind: string;
  /** How far back to look (RECHECK_WINDOW). */
  windowMs: number;
}

export interface TrafficRecheckResult {
  /** Whether the pattern that opened the case is still going on within the window. */
  stillActive: boolean;
  /** What the answer rests on; recorded on the case's timeline with the decision it led to. */
  figures: Record<string, number | string>;
}

/**
 * The last look before a shutdown. LiveTrafficRecheck asks detection's live windows (in whichever
 * process runs detection) and falls back on EvidenceTrafficRecheck, the case's own evidence.
 */
export interface TrafficRecheck {
  recheck(query: TrafficRecheckQuery): Promise<TrafficRecheckResult>;
}

export const TRAFFIC_RECHECK = Symbol('TRAFFIC_RECHECK');
