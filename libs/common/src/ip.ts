import { isIPv4, isIPv6 } from 'node:net';

/**
 * Address helpers for the cold paths (config, API input, display). Addresses are four 32-bit words
 * in network order; IPv4 uses word 0 only, as in FlowBatch.
 */

/** Parses dotted-quad IPv4 into an unsigned 32-bit number, or -1 when it is not one. */
export function parseIPv4(s: string): number {
  if (!isIPv4(s)) return -1;
  let n = 0;
  let part = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return n * 256 + part;
}

/** Parses IPv6 (any textual form, including embedded IPv4) into 4 words, or null. */
export function parseIPv6(s: string): Uint32Array | null {
  if (!isIPv6(s)) return null;
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const groups: number[] = [];
  const v4 = text.lastIndexOf('.') >= 0 ? text.slice(text.lastIndexOf(':') + 1) : null;
  if (v4) text = text.slice(0, text.lastIndexOf(':') + 1) + '0:0';
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const headParts = head ? head.split(':').filter((p) => p !== '') : [];
  const tailParts = tail ? tail.split(':').filter((p) => p !== '') : [];
  const fill = 8 - headParts.length - tailParts.length;
  for (const p of headParts) groups.push(parseInt(p, 16));
  if (tail !== null) for (let k = 0; k < fill; k++) groups.push(0);
  for (const p of tailParts) groups.push(parseInt(p, 16));
  if (v4) {
    const n = parseIPv4(v4);
    groups[6] = n >>> 16;
    groups[7] = n & 0xffff;
  }
  const w = new Uint32Array(4);
  for (let k = 0; k < 4; k++) w[k] = ((groups[2 * k] << 16) | groups[2 * k + 1]) >>> 0;
  return w;
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text form of an IPv6 address held in 4 words starting at off. */
export function formatIPv6(words: ArrayLike<number>, off = 0): string {
  const g: number[] = [];
  for (let k = 0; k < 4; k++) {
    g.push(words[off + k] >>> 16, words[off + k] & 0xffff);
  }
  // Longest run of zero groups (length >= 2) becomes '::'.
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8;) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen && e - k >= 2) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatAddress(family: number, words: ArrayLike<number>, off: number): string {
  return family === 6 ? formatIPv6(words, off) : formatIPv4(words[off]);
}

export type ParsedAddress = { family: 4; v4: number } | { family: 6; v6: Uint32Array };

export function parseAddress(s: string): ParsedAddress | null {
  const v4 = parseIPv4(s);
  if (v4 >= 0) return { family: 4, v4 };
  const v6 = parseIPv6(s);
  return v6 ? { family: 6, v6 } : null;
}

/** A CIDR prefix: the network's words and prefix length. */
export interface Cidr {
  family: 4 | 6;
  words: Uint32Array;
  bits: number;
  text: string;
}

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (a host prefix); null when invalid. */
export function parseCidr(s: string): Cidr | null {
  const text = s.trim();
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const a = parseAddress(addr);
  if (!a) return null;
  const max = a.family === 4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return null;
    bits = Number(b);
    if (bits > max) return null;
  }
  const words = a.family === 4 ? Uint32Array.of(a.v4, 0, 0, 0) : a.v6;
  const masked = new Uint32Array(4);
  for (let k = 0; k < 4; k++) {
    const wordBits = Math.max(0, Math.min(32, bits - (a.family === 4 ? 0 : k * 32)));
    const effective = a.family === 4 && k > 0 ? 0 : wordBits;
    masked[k] = effective === 0 ? 0 : (words[k] & (effective === 32 ? 0xffffffff : ~(0xffffffff >>> effective))) >>> 0;
  }
  return { family: a.family, words: masked, bits, text };
}

/**
 * A set of CIDR prefixes answering "is this address inside" without allocation.
 * Prefix counts here are small (operator address space, threat lists use their own structure),
 * so a linear scan over masks is enough; IPv4 is checked with one mask-and-compare per prefix.
 */
export class PrefixSet {
  private readonly v4Net: Uint32Array;
  private readonly v4Mask: Uint32Array;
  private readonly v6: Cidr[];

  constructor(readonly prefixes: Cidr[]) {
    const v4 = prefixes.filter((p) => p.family === 4);
    this.v4Net = Uint32Array.from(v4.map((p) => p.words[0]));
    this.v4Mask = Uint32Array.from(v4.map((p) => (p.bits === 0 ? 0 : (0xffffffff << (32 - p.bits)) >>> 0)));
    this.v6 = prefixes.filter((p) => p.family === 6);
  }

  get size(): number {
    return this.prefixes.length;
  }

  containsV4(ip: number): boolean {
    const n = this.v4Net;
    const m = this.v4Mask;
    for (let k = 0; k < n.length; k++) if ((ip & m[k]) >>> 0 === n[k]) return true;
    return false;
  }

  containsV6(words: ArrayLike<number>, off: number): boolean {
    for (const p of this.v6) {
      let left = p.bits;
      let ok = true;
      for (let k = 0; k < 4 && left > 0 && ok; k++) {
        const take = Math.min(32, left);
        const mask = take === 32 ? 0xffffffff : ~(0xffffffff >>> take) >>> 0;
        ok = (words[off + k] & mask) >>> 0 === p.words[k];
        left -= take;
      }
      if (ok) return true;
    }
    return false;
  }

  contains(family: number, words: ArrayLike<number>, off: number): boolean {
    return family === 6 ? this.containsV6(words, off) : this.containsV4(words[off]);
  }
}
