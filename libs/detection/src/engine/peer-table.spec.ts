import { PeerTable } from './peer-table';

const w = (a: number, b = 0, c = 0, d = 0) => Uint32Array.of(a >>> 0, b, c, d);

describe('PeerTable', () => {
  it('finds rows by address, family and port, IPv6 included', () => {
    const t = new PeerTable(2, 100);
    const r1 = t.upsert(w(0x01020304), 0, 4, 22, -1, 10, 6);
    const r2 = t.upsert(w(0x01020304), 0, 4, 23, 7, 10, 6);
    const r3 = t.upsert(w(0x20010db8, 0, 0, 1), 0, 6, 22, -1, 10, 6);
    expect(new Set([r1, r2, r3]).size).toBe(3);
    expect(t.find(w(0x01020304), 0, 4, 23)).toBe(r2);
    expect(t.find(w(0x20010db8, 0, 0, 1), 0, 6, 22)).toBe(r3);
    expect(t.find(w(0x20010db8, 0, 0, 2), 0, 6, 22)).toBe(-1);
    expect(t.peerVm(r2)).toBe(7);
    const out = new Uint32Array(4);
    t.words(r3, out);
    expect([...out]).toEqual([0x20010db8, 0, 0, 1]);
  });

  it('starts a row over when it was idle for a whole window', () => {
    const t = new PeerTable(1, 100);
    const r = t.upsert(w(1), 0, 4, 1, -1, 10, 6);
    t.add(r, 0, 5);
    expect(t.get(t.upsert(w(1), 0, 4, 1, -1, 12, 8), 0)).toBe(5);
    const again = t.upsert(w(1), 0, 4, 1, -1, 20, 16);
    expect(t.get(again, 0)).toBe(0);
    expect(t.first(again)).toBe(20);
  });

  it('is bounded: refuses rows past maxRows and counts them; purge frees expired rows', () => {
    const t = new PeerTable(1, 64);
    for (let i = 0; i < 10_000; i++) t.upsert(w(i + 1), 0, 4, 80, -1, 100, 96);
    expect(t.size).toBe(64);
    expect(t.capacity).toBeLessThanOrEqual(128);
    expect(t.dropped).toBe(10_000 - 64);
    t.purge(101);
    expect(t.size).toBe(0);
    expect(t.upsert(w(99_999), 0, 4, 80, -1, 101, 97)).toBeGreaterThanOrEqual(0);
  });

  it('keeps per-bucket slot counts and sums them over a window', () => {
    const t = new PeerTable(0, 8, 4);
    const r = t.upsert(w(9), 0, 4, 22, -1, 100, 96);
    t.slotAdd(r, 100, 2);
    t.slotAdd(r, 101, 3);
    t.slotAdd(r, 103, 1);
    expect(t.slotSum(r, 100, 103)).toBe(6);
    expect(t.slotSum(r, 101, 103)).toBe(4);
    t.slotAdd(r, 104, 7); // takes over bucket 100's slot
    expect(t.slotSum(r, 100, 104)).toBe(11);
    t.slotAdd(r, 100, 50); // too old for the ring: ignored
    expect(t.slotSum(r, 100, 104)).toBe(11);
    expect(t.slotsActive(r, 101, 104)).toBe(3);
  });
});
