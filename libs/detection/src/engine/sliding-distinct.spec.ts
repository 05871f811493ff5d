import { SlidingDistinct } from './sliding-distinct';

describe('SlidingDistinct', () => {
  it('counts exactly per window while small and forgets values older than the window', () => {
    const d = new SlidingDistinct(6, 64, 10);
    for (let v = 1; v <= 10; v++) d.add(v, 100);
    for (let v = 6; v <= 20; v++) d.add(v, 102);
    expect(d.count(98, 102)).toBe(20);
    expect(d.count(101, 102)).toBe(15);
    expect(d.count(103, 107)).toBe(0);
    expect(d.promoted).toBe(false);
  });

  it('promotes to per-bucket HyperLogLogs past the exact limit and stays accurate and bounded', () => {
    const d = new SlidingDistinct(6, 64, 12);
    for (let v = 0; v < 200_000; v++) d.add(0x0b000000 + v, 1000 + (v % 5));
    expect(d.promoted).toBe(true);
    expect(d.entries).toBe(6 * 4096);
    const est = d.count(1000, 1004);
    expect(Math.abs(est - 200_000) / 200_000).toBeLessThan(0.06);
    // one bucket holds a fifth of them
    expect(Math.abs(d.count(1002, 1002) - 40_000) / 40_000).toBeLessThan(0.06);
  });

  it('ignores values for a bucket older than its slot ring once promoted', () => {
    const d = new SlidingDistinct(3, 8, 8);
    for (let v = 0; v < 100; v++) d.add(v, 50);
    for (let v = 0; v < 100; v++) d.add(1000 + v, 53); // takes slot 53 % 3 === 50 % 3
    d.add(5000, 50);
    expect(d.count(50, 50)).toBe(0);
    expect(d.count(53, 53)).toBeGreaterThan(80);
  });
});
