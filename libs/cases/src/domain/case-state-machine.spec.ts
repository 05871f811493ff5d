import { DomainException } from '@sg/common';
import { assertTransition, canTransition, CASE_TRANSITIONS } from './case-state-machine';
import { CASE_STATUSES, CLOSED_STATUSES, type CaseStatus } from './case-status';

describe('case state machine', () => {
  it('names only known statuses', () => {
    for (const [from, tos] of Object.entries(CASE_TRANSITIONS)) {
      expect(CASE_STATUSES).toContain(from);
      for (const to of tos) expect(CASE_STATUSES).toContain(to);
    }
    expect(Object.keys(CASE_TRANSITIONS).sort()).toEqual([...CASE_STATUSES].sort());
  });

  it.each<[CaseStatus, CaseStatus]>([
    ['open', 'notified'],
    ['notified', 'extension-requested'],
    ['notified', 'exception-requested'],
    ['extension-requested', 'extended'],
    ['extension-requested', 'notified'],
    ['extended', 'extended'],
    ['exception-requested', 'closed'],
    ['exception-requested', 'extended'],
    ['notified', 'shutdown-pending'],
    ['extended', 'shutdown-pending'],
    ['shutdown-pending', 'shut-down'],
    ['shutdown-pending', 'shutdown-failed'],
    ['shutdown-pending', 'notified'],
    ['shutdown-failed', 'shutdown-pending'],
    ['shut-down', 'restart-pending'],
    ['restart-pending', 'restarted'],
    ['restart-pending', 'shut-down'],
    ['restarted', 'open'],
    ['notified', 'mitigated'],
    ['mitigated', 'open'],
    ['mitigated', 'resolved'],
    ['resolved', 'open'],
    ['mitigated', 'notified'],
    ['mitigated', 'extended'],
    ['resolved', 'notified'],
    ['notified', 'false-positive'],
  ])('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each<[CaseStatus, CaseStatus, string]>([
    ['open', 'shut-down', 'a shutdown is confirmed only through shutdown-pending'],
    ['notified', 'shut-down', 'a shutdown is confirmed only through shutdown-pending'],
    ['notified', 'restarted', 'only a shut-down deployment restarts'],
    ['notified', 'restart-pending', 'only a shut-down deployment restarts'],
    ['shut-down', 'shutdown-pending', 'never twice: a shut-down case is not shut down again'],
    ['shutdown-pending', 'shutdown-pending', 'never twice'],
    ['shutdown-pending', 'closed', 'a request in flight is settled first'],
    ['shutdown-pending', 'mitigated', 'a request in flight is settled first'],
    ['restart-pending', 'closed', 'a request in flight is settled first'],
    ['extension-requested', 'extension-requested', 'one request at a time'],
    ['false-positive', 'open', 'a false positive is never reopened'],
    ['closed', 'open', 'duplicates and approved exceptions are never reopened'],
    ['resolved', 'false-positive', 'the verdict of a resolved case stands'],
    ['mitigated', 'shutdown-pending', 'a closed case does not escalate'],
    ['shut-down', 'mitigated', 'a shut-down deployment is restarted or closed'],
  ])('refuses %s -> %s (%s)', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(DomainException);
  });

  it('leads nowhere from false-positive and closed; from other closed statuses only to a reopen or a final verdict', () => {
    expect(CASE_TRANSITIONS['false-positive']).toEqual([]);
    expect(CASE_TRANSITIONS.closed).toEqual([]);
    for (const s of CLOSED_STATUSES) {
      for (const to of CASE_TRANSITIONS[s])
        expect(['open', 'notified', 'extended', 'resolved', 'false-positive', 'closed']).toContain(to);
    }
  });

  it('reaches shut-down only from shutdown-pending, and shutdown-pending never from a closed status', () => {
    for (const from of CASE_STATUSES) {
      if (canTransition(from, 'shut-down')) expect(['shutdown-pending', 'restart-pending']).toContain(from);
      if (CLOSED_STATUSES.includes(from)) expect(canTransition(from, 'shutdown-pending')).toBe(false);
    }
  });

  it('answers a refused move with invalid_state naming the current status', () => {
    try {
      assertTransition('shut-down', 'shutdown-pending', 'shut the deployment down');
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainException);
      expect((e as DomainException).code).toBe('invalid_state');
      expect((e as DomainException).message).toBe('cannot shut the deployment down: the case is shut-down');
      expect((e as DomainException).fields).toEqual([{ field: 'status', message: 'current status is shut-down' }]);
    }
  });
});
