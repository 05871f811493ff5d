import type { FindingDirection, FindingPeer, FindingRole, Severity } from '@sg/queues';

/**
 * The parts of a case every notice shows, as plain data. The cases module builds these from its
 * own view (CaseNoticeView) when it is wired to mail; mail never reads the cases tables.
 * Times are ISO-8601 strings.
 */
export interface CaseSummary {
  /** Shown as the subject tag [SG-<number>]. */
  number: number;
  kind: string;
  role: FindingRole;
  direction: FindingDirection;
  severity: Severity;
  vm: { id: string; name: string };
  deployment: { id: string; name: string };
  subscription: { id: string; name: string };
  firstSeen: string;
  lastSeen: string;
}

/** A detection rule that tripped, at the largest figure it observed. */
export interface RuleView {
  name: string;
  threshold: number;
  observed: number;
  /** As configured, e.g. `60s`. */
  window: string;
  description: string;
}

export interface EvidenceView {
  counts: { flows: number; packets: number; bytes: number; distinctPeers: number; distinctPorts: number };
  /** Heaviest peers first; the e-mail shows the first ten. */
  topPeers: FindingPeer[];
  /** Destination ports involved (may be empty). */
  ports: number[];
  rules: RuleView[];
}

/** Same shape as the cases module's Recommendation, minus what the e-mail does not show. */
export interface RecommendationView {
  summary: string;
  likelyCauses: string[];
  steps: { title: string; detail: string }[];
}
