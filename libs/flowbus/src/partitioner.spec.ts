import { fnv1a32, ownedPartitions, partitionOf, partitionsOfSlots } from './partitioner';

describe('flow-bus partitioner', () => {
  it('is FNV-1a 32 (published test vectors)', () => {
    // From the FNV reference (draft-eastlake-fnv): "" , "a", "foobar".
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // "é" is two bytes in UTF-8 (c3 a9): hashing one code unit (0xe9) would give another value.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193);
    expect(fnv1a32('é')).toBe(h >>> 0);
  });

  it('maps slots to partitions once, in slot order, and agrees with partitionOf', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `vm-${i}`);
    const parts = partitionsOfSlots(ids, 64);
    expect(parts).toBeInstanceOf(Int16Array);
    ids.forEach((id, s) => expect(parts[s]).toBe(partitionOf(id, 64)));
    // Spread: every one of 64 partitions gets some of 1000 VMs.
    expect(new Set(parts).size).toBe(64);
  });

  it('splits the partitions among detectors without overlap or gap', () => {
    const all = [0, 1, 2].flatMap((i) => ownedPartitions(i, 3, 64)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 64 }, (_, p) => p));
    expect(ownedPartitions(1, 3, 8)).toEqual([1, 4, 7]);
    expect(() => ownedPartitions(3, 3, 8)).toThrow();
  });
});
