/**
 * Number-only hashing of addresses for the hot path (no strings, no allocation).
 * fmix32 is MurmurHash3's finaliser: cheap and well mixed in all 32 bits, which HyperLogLog needs.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit key for an address: the IPv4 address itself (so IPv4 counting is exact), or a hash of
 * the four IPv6 words. An IPv6 key can collide with an IPv4 one with probability 2^-32, which only
 * makes a distinct count one lower.
 */
export function addressKey(words: ArrayLike<number>, off: number, family: number): number {
  if (family !== 6) return words[off] >>> 0;
  let h = 0x9747b28c;
  for (let k = 0; k < 4; k++) h = fmix32((h ^ words[off + k]) + 0x9e3779b9);
  return h;
}

/** Mixes a key with a port (or any small integer) into a table hash. */
export function pairHash(key: number, port: number): number {
  return fmix32(key ^ Math.imul(port + 1, 0x9e3779b1));
}
