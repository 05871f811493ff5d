import { findTimeRequests } from './time-request';

// Wednesday 3 June 2026, 10:00 UTC.
const AT = new Date('2026-06-03T10:00:00Z');
const H = 3_600_000;
const first = (text: string) => findTimeRequests(text.toLowerCase(), AT)[0];

describe('time requests', () => {
  it.each([
    ['48 hours', 48 * H],
    ['48 more hours', 48 * H],
    ['48h', 48 * H],
    ['2 days', 48 * H],
    ['2d', 48 * H],
    ['another 3 days', 72 * H],
    ['one more week', 7 * 24 * H],
    ['a week', 7 * 24 * H],
    ['two more weeks', 14 * 24 * H],
    ['a few days', 72 * H],
    ['a couple of days', 48 * H],
    ['1.5 days', 36 * H],
    ['90 minutes', 1.5 * H],
    ['an extra day', 24 * H],
  ])('a length: "%s"', (text, ms) => {
    expect(first(`we need ${text} please`)).toMatchObject({ kind: 'duration', ms });
  });

  it.each([
    ['until Friday', '2026-06-05T23:59:59.000Z'],
    ['until next Friday', '2026-06-05T23:59:59.000Z'],
    ['till Wednesday', '2026-06-10T23:59:59.000Z'], // said on a Wednesday: next week's
    ['until Friday morning', '2026-06-05T09:00:00.000Z'],
    ['by Monday at 5pm', '2026-06-08T17:00:00.000Z'],
    ['by tomorrow evening', '2026-06-04T18:00:00.000Z'],
    ['by tomorrow', '2026-06-04T23:59:59.000Z'],
    ['until tonight', '2026-06-03T22:00:00.000Z'],
    ['by the day after tomorrow', '2026-06-05T23:59:59.000Z'],
    ['till 2026-12-01', '2026-12-01T23:59:59.000Z'],
    ['until 2026-06-10 14:30', '2026-06-10T14:30:00.000Z'],
    ['until 15.06.2026', '2026-06-15T23:59:59.000Z'],
    ['until 5 June', '2026-06-05T23:59:59.000Z'],
    ['by the 1st of December', '2026-12-01T23:59:59.000Z'],
    ['until June 10th', '2026-06-10T23:59:59.000Z'],
    ['until January 5', '2027-01-05T23:59:59.000Z'], // already past this year: next year's
    ['until the end of the week', '2026-06-05T23:59:59.000Z'],
    ['until the end of next week', '2026-06-12T23:59:59.000Z'],
    ['until the end of the month', '2026-06-30T23:59:59.000Z'],
    ['until the weekend', '2026-06-07T23:59:59.000Z'],
  ])('a moment: "%s"', (text, until) => {
    const t = first(`please give us time ${text}, thanks`);
    expect(t).toMatchObject({ kind: 'moment', until });
    expect(t.ms).toBe(Date.parse(until) - AT.getTime());
  });

  it('finds nothing in plain words, and drops impossible or past dates', () => {
    expect(findTimeRequests('we are looking into it', AT)).toEqual([]);
    expect(findTimeRequests('until 2026-02-30', AT)).toEqual([]);
    expect(findTimeRequests('until 2025-01-01', AT)).toEqual([]);
    expect(findTimeRequests('on friday we met', AT)).toEqual([]); // a weekday without until/by is no request
  });

  it('lists several in text order', () => {
    expect(findTimeRequests('2 days, or until friday', AT).map((t) => t.phrase)).toEqual(['2 days', 'until friday']);
  });
});
