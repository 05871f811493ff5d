/**
 * The deadline of a case reopened within CASE_REOPEN_WINDOW. An attacker who pauses around the
 * deadline (the re-check finds nothing, the case is mitigated) and resumes must not earn a fresh
 * one, so:
 * - no deadline before (a target): none now;
 * - the deadline the owner was given is still ahead: it stands;
 * - it has passed: now + CASE_REOPEN_GRACE / 2^(reopens - 1) — the full grace at the first reopen,
 *   half at the second, and so on (each reopen brings escalation closer); with the default grace
 *   of 0 the case escalates at once.
 * Never later than now + grace, so never a full new deadline.
 *
 * `reopenCount` counts reopens including this one (1 for the first).
 */
export function reopenDeadline(
  deadlineMs: number | null,
  nowMs: number,
  reopenCount: number,
  graceMs: number,
): { deadlineMs: number | null; kept: boolean } {
  if (deadlineMs === null) return { deadlineMs: null, kept: true };
  if (deadlineMs > nowMs) return { deadlineMs, kept: true };
  const halvings = Math.max(0, reopenCount - 1);
  return { deadlineMs: nowMs + Math.floor(graceMs / 2 ** halvings), kept: false };
}
