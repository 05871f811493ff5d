import { decideAfterClose } from './reopen-rule';

const H = 3_600_000;
const cfg = { reopenWindowMs: 24 * H, falsePositiveMemoryMs: 7 * 24 * H };
const now = Date.parse('2024-05-10T00:00:00Z');
const finding = (name: string, observed: number) => ({ rule: { name, observed } });
const closed = (status: 'mitigated' | 'resolved' | 'false-positive' | 'closed', agoMs: number) => ({
  status,
  closedAt: now - agoMs,
  rules: [{ name: 'port-scan.horizontal', observed: 60 }],
});

describe('reopen rule', () => {
  it('reopens a mitigated or true-positive case within the window', () => {
    expect(
      decideAfterClose(closed('mitigated', H), finding('port-scan.horizontal', 10), now, cfg, 'mitigated').action,
    ).toBe('reopen');
    expect(decideAfterClose(closed('resolved', 23 * H), finding('x', 1), now, cfg, 'true-positive').action).toBe(
      'reopen',
    );
  });

  it('opens a new case after the window', () => {
    expect(decideAfterClose(closed('mitigated', 25 * H), finding('x', 1), now, cfg, 'mitigated').action).toBe(
      'new-case',
    );
  });

  it('never reopens a false positive: the same pattern is recorded, new evidence opens a new case', () => {
    const fp = closed('false-positive', 3 * 24 * H);
    expect(decideAfterClose(fp, finding('port-scan.horizontal', 100), now, cfg, 'false-positive').action).toBe(
      'record-only',
    );
    expect(decideAfterClose(fp, finding('port-scan.horizontal', 121), now, cfg, 'false-positive').action).toBe(
      'new-case',
    );
    expect(decideAfterClose(fp, finding('port-scan.vertical', 20), now, cfg, 'false-positive').action).toBe('new-case');
    expect(
      decideAfterClose(
        closed('false-positive', 8 * 24 * H),
        finding('port-scan.horizontal', 1),
        now,
        cfg,
        'false-positive',
      ).action,
    ).toBe('new-case');
  });

  it('records on a recent duplicate, opens a new case after an expired exception', () => {
    expect(decideAfterClose(closed('closed', H), finding('x', 1), now, cfg, 'duplicate').action).toBe('record-only');
    expect(decideAfterClose(closed('closed', H), finding('x', 1), now, cfg, 'expected-behaviour').action).toBe(
      'new-case',
    );
  });
});
