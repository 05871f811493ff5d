import { fmix32 } from './hash';
import { HyperLogLog } from './hyperloglog';

describe('HyperLogLog', () => {
  const fill = (p: number, n: number, salt = 0) => {
    const h = new HyperLogLog(p);
    for (let i = 0; i < n; i++) h.add(fmix32((i * 2654435761 + salt) >>> 0));
    return h;
  };

  it.each([100, 1_000, 10_000, 100_000, 1_000_000])(
    'estimates %i distinct values within 5%% at p=12 (standard error 1.6%%)',
    (n) => {
      const est = fill(12, n).count();
      expect(Math.abs(est - n) / n).toBeLessThan(0.05);
    },
  );

  it('stays within 3 standard errors at p=10', () => {
    for (const n of [1_000, 100_000, 1_000_000]) expect(Math.abs(fill(10, n).count() - n) / n).toBeLessThan(0.1);
  });

  it('is within 2% at p=14 for a million values', () => {
    const est = fill(14, 1_000_000).count();
    expect(Math.abs(est - 1_000_000) / 1_000_000).toBeLessThan(0.02);
  });

  it('ignores repeats and counts small sets almost exactly (linear counting)', () => {
    const h = fill(10, 50);
    for (let k = 0; k < 10; k++) for (let i = 0; i < 50; i++) h.add(fmix32((i * 2654435761) >>> 0));
    expect(Math.abs(h.count() - 50)).toBeLessThanOrEqual(1);
  });

  it('merges as a union', () => {
    const a = fill(12, 50_000, 1);
    const b = fill(12, 50_000, 7);
    a.merge(b);
    expect(Math.abs(a.count() - 100_000) / 100_000).toBeLessThan(0.04);
    expect(() => a.merge(new HyperLogLog(10))).toThrow('precision');
  });
});
