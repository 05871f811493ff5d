import type { FindingKind, Severity } from '@sg/queues';
import { caseSeverity, maxSeverity } from './case-severity';

const KINDS: FindingKind[] = ['port-scan', 'brute-force', 'flood', 'amplification', 'spam', 'malicious-peer', 'mining'];
const LEVELS: Severity[] = ['low', 'medium', 'high', 'critical'];
const rank = (s: Severity) => LEVELS.indexOf(s);

describe('case severity', () => {
  it('ranks the source at least as high as the target, for every kind and detected severity', () => {
    for (const kind of KINDS) {
      for (const detected of LEVELS) {
        expect(rank(caseSeverity(kind, 'source', detected))).toBeGreaterThanOrEqual(
          rank(caseSeverity(kind, 'target', detected)),
        );
      }
    }
  });

  it.each<[FindingKind, 'source' | 'target', Severity, Severity]>([
    ['brute-force', 'source', 'low', 'high'],
    ['brute-force', 'target', 'low', 'low'],
    ['brute-force', 'target', 'high', 'medium'],
    ['port-scan', 'source', 'medium', 'medium'],
    ['port-scan', 'source', 'critical', 'high'],
    ['flood', 'source', 'low', 'critical'],
    ['flood', 'target', 'critical', 'high'],
    ['amplification', 'target', 'low', 'high'],
  ])('%s as %s detected %s -> %s', (kind, role, detected, expected) => {
    expect(caseSeverity(kind, role, detected)).toBe(expected);
  });

  it('never makes a target critical, and raises by one level at most', () => {
    for (const kind of KINDS) {
      expect(caseSeverity(kind, 'target', 'critical')).not.toBe('critical');
      expect(
        rank(caseSeverity(kind, 'source', 'critical')) - rank(caseSeverity(kind, 'source', 'low')),
      ).toBeLessThanOrEqual(1);
    }
  });

  it('starts kinds added later at medium (source) and low (target)', () => {
    expect(caseSeverity('crypto-jacking', 'source', 'low')).toBe('medium');
    expect(caseSeverity('crypto-jacking', 'target', 'low')).toBe('low');
  });

  it('treats inherited property names as unknown kinds', () => {
    expect(caseSeverity('constructor', 'source', 'low')).toBe('medium');
    expect(caseSeverity('__proto__', 'target', 'high')).toBe('medium');
  });

  it('keeps the higher of two severities', () => {
    expect(maxSeverity('high', 'medium')).toBe('high');
    expect(maxSeverity('low', 'critical')).toBe('critical');
  });
});
