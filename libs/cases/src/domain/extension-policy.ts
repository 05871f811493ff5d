export interface ExtensionLimits {
  /** CASE_EXTENSION_MAX_COUNT */
  maxCount: number;
  /** CASE_EXTENSION_MAX_TOTAL: the sum of all extensions granted on one case. */
  maxTotalMs: number;
}

export interface ExtensionState {
  count: number;
  totalMs: number;
  deadlineAt: number;
}

export type ExtensionDecision =
  { ok: true; grantMs: number; newDeadlineAt: number; capped: boolean } | { ok: false; reason: string };

/**
 * Whether an extension may be granted and where the deadline goes.
 * - `explicitMs` is what a responder typed: above the remaining budget it is refused, never
 *   silently shortened, so the responder knows what the owner will be told.
 * - otherwise the owner's request (or `fallbackMs`) is granted up to the remaining budget.
 * The new deadline counts from the later of the current deadline and now: time the request spent
 * waiting for a responder after the deadline passed is not taken from the owner.
 */
export function decideExtension(
  state: ExtensionState,
  limits: ExtensionLimits,
  nowMs: number,
  want: { explicitMs?: number; requestedMs?: number; fallbackMs: number },
): ExtensionDecision {
  if (state.count >= limits.maxCount) {
    return { ok: false, reason: `all ${limits.maxCount} extensions allowed for a case have been granted` };
  }
  const remaining = limits.maxTotalMs - state.totalMs;
  if (remaining <= 0) {
    return { ok: false, reason: `the extensions granted already add up to the limit of ${limits.maxTotalMs} ms` };
  }
  if (want.explicitMs !== undefined && want.explicitMs > remaining) {
    return {
      ok: false,
      reason: `at most ${remaining} ms may still be granted (limit ${limits.maxTotalMs} ms in total)`,
    };
  }
  const asked = want.explicitMs ?? want.requestedMs ?? want.fallbackMs;
  const grantMs = Math.min(asked, remaining);
  return {
    ok: true,
    grantMs,
    newDeadlineAt: Math.max(state.deadlineAt, nowMs) + grantMs,
    capped: grantMs < asked,
  };
}
