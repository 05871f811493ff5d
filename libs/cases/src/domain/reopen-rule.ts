import type { CaseStatus } from './case-status';

export interface ReopenConfig {
  /** CASE_REOPEN_WINDOW */
  reopenWindowMs: number;
  /** CASE_FALSE_POSITIVE_MEMORY */
  falsePositiveMemoryMs: number;
}

export interface ClosedCaseFacts {
  status: CaseStatus;
  closedAt: number;
  /** The rules whose findings the responder saw on the case, with the largest figure observed. */
  rules: readonly { name: string; observed: number }[];
}

export type ReopenDecision = { action: 'reopen' | 'new-case' | 'record-only'; why: string };

/** A finding this much larger than what was judged false is new evidence, not the same pattern. */
export const FALSE_POSITIVE_MAGNITUDE = 2;

/**
 * What a finding for a (vm, role, kind) does when the latest case of that key is closed:
 * - mitigated or resolved (a true positive) less than CASE_REOPEN_WINDOW ago: reopen it — the
 *   same incident came back, and the owner and responders keep one history;
 * - false-positive less than CASE_FALSE_POSITIVE_MEMORY ago: the responder judged this rule's
 *   pattern on this VM to be wrong, so findings of the same rule at up to twice the magnitude seen
 *   are recorded on that case and open nothing; another rule, or a larger magnitude, is new
 *   evidence and opens a NEW case (a false-positive case is never reopened);
 * - closed as a duplicate less than CASE_REOPEN_WINDOW ago: recorded on it (the incident lives on
 *   the case it duplicated);
 * - anything else (expected behaviour whose exception expired, or closed long ago): a new case.
 */
export function decideAfterClose(
  closed: ClosedCaseFacts,
  finding: { rule: { name: string; observed: number } },
  nowMs: number,
  cfg: ReopenConfig,
  resolution: string | null,
): ReopenDecision {
  const age = nowMs - closed.closedAt;
  if (closed.status === 'false-positive') {
    if (age > cfg.falsePositiveMemoryMs) return { action: 'new-case', why: 'false-positive verdict has expired' };
    const judged = closed.rules.find((r) => r.name === finding.rule.name);
    if (!judged) return { action: 'new-case', why: `rule ${finding.rule.name} was not part of the false positive` };
    if (finding.rule.observed > FALSE_POSITIVE_MAGNITUDE * judged.observed) {
      return {
        action: 'new-case',
        why: `observed ${finding.rule.observed} is more than ${FALSE_POSITIVE_MAGNITUDE}x the ${judged.observed} judged false`,
      };
    }
    return { action: 'record-only', why: 'same pattern as a recent false positive' };
  }
  if (age > cfg.reopenWindowMs) return { action: 'new-case', why: 'closed longer ago than the reopen window' };
  if (closed.status === 'mitigated' || closed.status === 'resolved') {
    return { action: 'reopen', why: `traffic came back within the reopen window after the case was ${closed.status}` };
  }
  if (resolution === 'duplicate') return { action: 'record-only', why: 'closed as a duplicate of another case' };
  return { action: 'new-case', why: `closed as ${resolution ?? closed.status}` };
}
