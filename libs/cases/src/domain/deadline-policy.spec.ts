import { deadlineMsFor } from './deadline-policy';
import { decideExtension } from './extension-policy';
import { nextReminder, parseReminders, reminderTimes } from './reminder-schedule';

const H = 3_600_000;
const cfg = { defaultMs: 24 * H, floodMs: 4 * H };

describe('deadline policy', () => {
  it('gives sources the default, floods, amplification and critical cases the short deadline, targets none', () => {
    expect(deadlineMsFor('source', 'port-scan', 'medium', cfg)).toBe(24 * H);
    expect(deadlineMsFor('source', 'brute-force', 'high', cfg)).toBe(24 * H);
    expect(deadlineMsFor('source', 'flood', 'high', cfg)).toBe(4 * H);
    expect(deadlineMsFor('source', 'amplification', 'medium', cfg)).toBe(4 * H);
    expect(deadlineMsFor('source', 'spam', 'critical', cfg)).toBe(4 * H);
    expect(deadlineMsFor('target', 'flood', 'high', cfg)).toBeNull();
  });

  it('never makes the urgent deadline longer than the default', () => {
    expect(deadlineMsFor('source', 'flood', 'high', { defaultMs: H, floodMs: 4 * H })).toBe(H);
  });
});

describe('extension policy', () => {
  const limits = { maxCount: 2, maxTotalMs: 72 * H };
  const now = Date.parse('2024-05-01T12:00:00Z');
  const state = { count: 0, totalMs: 0, deadlineAt: now + 2 * H };

  it('moves the deadline by the owner’s request, else by the fallback', () => {
    expect(decideExtension(state, limits, now, { requestedMs: 6 * H, fallbackMs: 24 * H })).toEqual({
      ok: true,
      grantMs: 6 * H,
      newDeadlineAt: now + 8 * H,
      capped: false,
    });
    expect(decideExtension(state, limits, now, { fallbackMs: 24 * H })).toMatchObject({ grantMs: 24 * H });
  });

  it('counts from now when the deadline already passed while the request waited', () => {
    const late = { ...state, deadlineAt: now - H };
    expect(decideExtension(late, limits, now, { explicitMs: 2 * H, fallbackMs: H })).toMatchObject({
      newDeadlineAt: now + 2 * H,
    });
  });

  it('refuses beyond the number of extensions', () => {
    expect(decideExtension({ ...state, count: 2 }, limits, now, { fallbackMs: H })).toEqual({
      ok: false,
      reason: 'all 2 extensions allowed for a case have been granted',
    });
  });

  it('refuses a responder’s length beyond the total, but caps the owner’s request', () => {
    const used = { ...state, count: 1, totalMs: 70 * H };
    expect(decideExtension(used, limits, now, { explicitMs: 3 * H, fallbackMs: H })).toMatchObject({ ok: false });
    expect(decideExtension(used, limits, now, { requestedMs: 24 * H, fallbackMs: H })).toMatchObject({
      ok: true,
      grantMs: 2 * H,
      capped: true,
    });
    expect(decideExtension({ ...used, totalMs: 72 * H }, limits, now, { fallbackMs: H })).toMatchObject({ ok: false });
  });
});

describe('reminders', () => {
  const setAt = 0;
  const deadline = 24 * H;

  it('parses shares and durations, or none', () => {
    expect(parseReminders('50%, 1h')).toEqual([{ share: 0.5 }, { beforeMs: H }]);
    expect(parseReminders('none')).toEqual([]);
  });

  it('places them between the setting of the deadline and the deadline, in order', () => {
    expect(reminderTimes(setAt, deadline, parseReminders('1h,50%'))).toEqual([12 * H, 23 * H]);
    // "1h before" a 30-minute deadline falls before it was set: dropped, not sent at once.
    expect(reminderTimes(0, H / 2, parseReminders('50%,1h'))).toEqual([H / 4]);
    expect(reminderTimes(0, 2 * H, parseReminders('50%,1h'))).toEqual([H]);
  });

  it('finds the next one and marks the last as the final warning', () => {
    const specs = parseReminders('50%,1h');
    expect(nextReminder(setAt, deadline, specs, 0)).toEqual({ at: 12 * H, final: false });
    expect(nextReminder(setAt, deadline, specs, 12 * H)).toEqual({ at: 23 * H, final: true });
    expect(nextReminder(setAt, deadline, specs, 23 * H)).toBeNull();
  });
});
