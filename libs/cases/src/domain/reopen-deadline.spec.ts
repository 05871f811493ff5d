import { reopenDeadline } from './reopen-deadline';

const M = 60_000;
const now = Date.parse('2026-06-01T12:00:00Z');

describe('deadline of a reopened case', () => {
  it('keeps a deadline that is still ahead, whatever the grace', () => {
    expect(reopenDeadline(now + 5 * M, now, 1, 60 * M)).toEqual({ deadlineMs: now + 5 * M, kept: true });
    expect(reopenDeadline(now + 1, now, 3, 0)).toEqual({ deadlineMs: now + 1, kept: true });
  });

  it('escalates at once when the deadline passed and the grace is 0 (the default)', () => {
    expect(reopenDeadline(now - 90_000, now, 1, 0)).toEqual({ deadlineMs: now, kept: false });
    expect(reopenDeadline(now, now, 1, 0)).toEqual({ deadlineMs: now, kept: false });
  });

  it('gives a passed deadline the grace, halved at each further reopen', () => {
    const grace = 40 * M;
    expect(reopenDeadline(now - M, now, 1, grace).deadlineMs).toBe(now + 40 * M);
    expect(reopenDeadline(now - M, now, 2, grace).deadlineMs).toBe(now + 20 * M);
    expect(reopenDeadline(now - M, now, 3, grace).deadlineMs).toBe(now + 10 * M);
    expect(reopenDeadline(now - M, now, 4, grace).deadlineMs).toBe(now + 5 * M);
  });

  it('never gives more than the grace, so never a full new deadline', () => {
    for (let n = 1; n <= 40; n++) {
      const d = reopenDeadline(now - 1, now, n, 24 * 60 * M).deadlineMs!;
      expect(d).toBeGreaterThanOrEqual(now);
      expect(d).toBeLessThanOrEqual(now + 24 * 60 * M);
    }
  });

  it('leaves a case without a deadline (a target) without one', () => {
    expect(reopenDeadline(null, now, 1, 60 * M)).toEqual({ deadlineMs: null, kept: true });
  });
});
