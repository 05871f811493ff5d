import { K_COUNT, K_PACKETS, TrackStore } from './track-store';

describe('TrackStore heavy peers (space-saving top-k)', () => {
  const w = new Uint32Array(4);
  const add = (s: TrackStore, t: number, ip: number, pk: number, port = 80) => {
    w[0] = ip;
    s.topAdd(t, w, 0, 4, false, -1, pk, pk * 100, 0, 0, 0, 0, 1000, port);
  };
  const store = () => new TrackStore(4, 12, 60_000, 4);

  it('keeps the heavy hitters among many light peers, with count >= truth >= guaranteed packets', () => {
    const s = store();
    const t = s.alloc(0, 1, 100);
    let light = 1000;
    for (let round = 0; round < 2000; round++) {
      add(s, t, 0x0a000001, 5);
      add(s, t, 0x0a000002, 3);
      add(s, t, 0x0b000000 + light++, 1);
      add(s, t, 0x0b000000 + light++, 1);
    }
    for (const [ip, truth] of [
      [0x0a000001, 10_000],
      [0x0a000002, 6_000],
    ]) {
      w[0] = ip;
      const r = s.topFind(t, w, 0, 4);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(s.f32[r + K_COUNT]).toBeGreaterThanOrEqual(truth);
      expect(s.f32[r + K_PACKETS]).toBeLessThanOrEqual(truth);
      expect(s.f32[r + K_PACKETS]).toBeGreaterThan(truth * 0.9);
    }
  });

  it('does not let a million spoofed one-packet peers look heavy', () => {
    const s = store();
    const t = s.alloc(0, 2, 100);
    for (let i = 0; i < 1_000_000; i++) add(s, t, (0x20000000 + i * 7919) >>> 0, 1);
    for (let j = 0; j < 4; j++) expect(s.f32[s.row(t, j) + K_PACKETS]).toBeLessThanOrEqual(2);
    w[0] = 0x7f000001;
    expect(s.topUpperBound(t, w, 0, 4)).toBeGreaterThan(0); // unmonitored peers are bounded by the lightest row
  });

  it('keeps IPv6 peers apart by all four words', () => {
    const s = store();
    const t = s.alloc(0, 1, 100);
    const a = Uint32Array.of(0x20010db8, 0, 0, 1);
    const b = Uint32Array.of(0x20010db8, 0, 0, 2);
    s.topAdd(t, a, 0, 6, false, -1, 10, 1000, 0, 0, 0, 0, 0, 22);
    s.topAdd(t, b, 0, 6, false, -1, 20, 1000, 0, 0, 0, 0, 0, 22);
    expect(s.f32[s.topFind(t, a, 0, 6) + K_PACKETS]).toBe(10);
    expect(s.f32[s.topFind(t, b, 0, 6) + K_PACKETS]).toBe(20);
    const out = new Uint32Array(4);
    s.rowWords(t, 1, out);
    expect([...out]).toEqual([0x20010db8, 0, 0, 2]);
  });

  it('estimates distinct destination ports of a peer', () => {
    const s = store();
    const t = s.alloc(0, 1, 100);
    for (let p = 1; p <= 40; p++) add(s, t, 1, 1, p);
    w[0] = 1;
    const est = s.topPortSpread(s.topFind(t, w, 0, 4));
    expect(est).toBeGreaterThan(25);
    expect(est).toBeLessThan(60);
  });

  it('measures the peak 5-s rate slot of a bucket', () => {
    const s = store();
    const t = s.alloc(0, 2, 100);
    s.spread(t, 5000, 0, 59_999, 60_000, 0); // 1,000 pps all minute
    s.spread(t, 5000, 20_000, 24_999, 50_000, 50_000); // a 5-s burst of 10,000 SYN/s
    expect(s.peak(t, 0) / 5).toBeCloseTo(11_000, -2);
    expect(s.peak(t, 1) / 5).toBeCloseTo(10_000, -2);
    s.spread(t, 5000, -540_000, 59_999, 600_000, 0); // a 10-min record: only its last minute counts
    expect(s.peak(t, 0) / 5).toBeCloseTo(12_000, -2);
  });

  it('reuses released slots and grows when full', () => {
    const s = new TrackStore(4, 12, 60_000, 2);
    const a = s.alloc(1, 1, 5);
    s.alloc(2, 1, 5);
    s.alloc(3, 1, 5);
    expect(s.capacity).toBeGreaterThanOrEqual(3);
    expect(s.vm(a)).toBe(1);
    s.release(a);
    expect(s.alloc(4, 2, 5)).toBe(a);
    expect(s.live).toBe(3);
    expect(s.role(a)).toBe(2);
  });
});
