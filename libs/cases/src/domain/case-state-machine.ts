import { DomainException, ErrorCode } from '@sg/common';
import { CaseStatus as S, type CaseStatus } from './case-status';

/**
 * The one table of allowed moves between case statuses, checked in one place (assertTransition,
 * called only by CaseTransitions.apply, which writes the timeline entry in the same transaction).
 * Anything not listed is refused with a 409 naming the current status.
 *
 * Reading guide:
 * - the waiting states (extension/exception requested) go back to notified or extended when the
 *   responder says no — extended when the case already had an extension, so the deadline stays;
 * - shutdown-pending may go back to notified/extended only when a hold arrives before the request
 *   went out (the request never reached the control plane);
 * - closed statuses lead nowhere except a reopen (reopen rule: mitigated or resolved within
 *   CASE_REOPEN_WINDOW) — to `open`, or straight back to notified/extended when the owner was told
 *   before and the deadline stands — and the responder's final verdict on a mitigated case;
 *   false-positive and closed never reopen: a new finding opens a new case instead.
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  [S.OPEN]: [
    S.NOTIFIED,
    S.EXTENSION_REQUESTED,
    S.EXCEPTION_REQUESTED,
    S.EXTENDED,
    S.SHUTDOWN_PENDING,
    S.MITIGATED,
    S.RESOLVED,
    S.FALSE_POSITIVE,
    S.CLOSED,
  ],
  [S.NOTIFIED]: [
    S.EXTENSION_REQUESTED,
    S.EXCEPTION_REQUESTED,
    S.EXTENDED,
    S.SHUTDOWN_PENDING,
    S.MITIGATED,
    S.RESOLVED,
    S.FALSE_POSITIVE,
    S.CLOSED,
  ],
  [S.EXTENSION_REQUESTED]: [
    S.EXTENDED,
    S.NOTIFIED,
    S.EXCEPTION_REQUESTED,
    S.SHUTDOWN_PENDING,
    S.MITIGATED,
    S.RESOLVED,
    S.FALSE_POSITIVE,
    S.CLOSED,
  ],
  [S.EXCEPTION_REQUESTED]: [
    S.CLOSED,
    S.NOTIFIED,
    S.EXTENDED,
    S.EXTENSION_REQUESTED,
    S.SHUTDOWN_PENDING,
    S.MITIGATED,
    S.RESOLVED,
    S.FALSE_POSITIVE,
  ],
  [S.EXTENDED]: [
    S.EXTENDED,
    S.EXTENSION_REQUESTED,
    S.EXCEPTION_REQUESTED,
    S.SHUTDOWN_PENDING,
    S.MITIGATED,
    S.RESOLVED,
    S.FALSE_POSITIVE,
    S.CLOSED,
  ],
  [S.SHUTDOWN_PENDING]: [S.SHUT_DOWN, S.SHUTDOWN_FAILED, S.NOTIFIED, S.EXTENDED],
  [S.SHUT_DOWN]: [S.RESTART_PENDING, S.RESOLVED, S.FALSE_POSITIVE, S.CLOSED],
  [S.SHUTDOWN_FAILED]: [S.SHUTDOWN_PENDING, S.RESOLVED, S.FALSE_POSITIVE, S.CLOSED],
  // A failed restart leaves the deployment down: back to shut-down, with the error recorded.
  [S.RESTART_PENDING]: [S.RESTARTED, S.SHUT_DOWN],
  [S.RESTARTED]: [S.OPEN, S.SHUTDOWN_PENDING, S.MITIGATED, S.RESOLVED, S.FALSE_POSITIVE, S.CLOSED],
  [S.MITIGATED]: [S.OPEN, S.NOTIFIED, S.EXTENDED, S.RESOLVED, S.FALSE_POSITIVE, S.CLOSED],
  [S.RESOLVED]: [S.OPEN, S.NOTIFIED, S.EXTENDED],
  [S.FALSE_POSITIVE]: [],
  [S.CLOSED]: [],
};

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return CASE_TRANSITIONS[from]?.includes(to) ?? false;
}

/** Throws the API's 409 (`invalid_state`) naming the current status when the move is not allowed. */
export function assertTransition(from: CaseStatus, to: CaseStatus, what = `move to ${to}`): void {
  if (!canTransition(from, to)) {
    throw new DomainException(ErrorCode.INVALID_STATE, `cannot ${what}: the case is ${from}`, [
      { field: 'status', message: `current status is ${from}` },
    ]);
  }
}
