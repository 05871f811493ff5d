import { readFileSync } from 'node:fs';
import { parseCidr, type Cidr } from '@sg/common/ip';

/** One list: a category and a file path, or inline text (tests, HTTP uploads). */
export interface ThreatListSource {
  category: string;
  path?: string;
  text?: string;
}

export interface ThreatListStats {
  category: string;
  source: string;
  entries: number;
  badLines: number;
  /** The first few bad lines, for the operator. */
  badSamples: string[];
}

export interface ParsedThreatList {
  cidrs: Cidr[];
  badLines: number;
  badSamples: string[];
}

interface ThreatIndex {
  /** Disjoint IPv4 ranges, sorted: start, inclusive end, category bit mask. */
  starts: Uint32Array;
  ends: Uint32Array;
  masks: Uint32Array;
  /**
   * By the address's top 16 bits: index of the first range starting at or after that /16
   * (65,537 entries). A lookup searches only the ranges starting inside the address's /16, plus
   * the one before them, instead of the whole list: about two memory reads instead of twenty.
   */
  by16: Int32Array;
  /**
   * One bit per /20: set when any range touches it (128 KB, small enough to stay in cache). Most
   * peers are on no list, and this answers them with one read.
   */
  any20: Uint32Array;
  v6: { words: Uint32Array; bits: number; mask: number }[];
  categories: string[];
  stats: ThreatListStats[];
}

const EMPTY_INDEX: ThreatIndex = {
  starts: new Uint32Array(0),
  ends: new Uint32Array(0),
  masks: new Uint32Array(0),
  by16: new Int32Array(65537),
  any20: new Uint32Array(1 << 15),
  v6: [],
  categories: [],
  stats: [],
};

/**
 * Threat-intelligence address lists (Spamhaus DROP `1.2.3.0/24 ; SBL123`, FireHOL `# comment` +
 * one IP or CIDR a line), by category (c2, tor, mining, drop, ...).
 *
 * Lookups are allocation-free: IPv4 lists are merged into disjoint sorted ranges, each carrying
 * the bit mask of the categories that list it, and found by binary search (about 20 steps for a
 * million ranges). IPv6 lists are short in practice and are scanned linearly.
 * `reload()` builds a complete new index and swaps one reference, so a lookup never sees half a
 * reload; a list that cannot be read keeps the reload from happening (the old index stays).
 */
export class ThreatIntel {
  private index: ThreatIndex = EMPTY_INDEX;
  private sources: ThreatListSource[];

  constructor(sources: ThreatListSource[] = []) {
    this.sources = sources;
    if (sources.length > 0) this.reload();
  }

  /** Parses the THREAT_LISTS form `c2=/path/a.txt,tor=/path/b.txt`. */
  static sourcesFromEnv(value: string | undefined): ThreatListSource[] {
    if (!value) return [];
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new Error(`THREAT_LISTS entry "${pair}" is not category=path`);
        return { category: pair.slice(0, eq).trim(), path: pair.slice(eq + 1).trim() };
      });
  }

  /** Parses one list; bad lines are counted, never fatal. */
  static parse(text: string): ParsedThreatList {
    const cidrs: Cidr[] = [];
    let badLines = 0;
    const badSamples: string[] = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw;
      const hash = line.indexOf('#');
      if (hash >= 0) line = line.slice(0, hash);
      const semi = line.indexOf(';');
      if (semi >= 0) line = line.slice(0, semi);
      line = line.trim();
      if (line.length === 0) continue;
      const token = line.split(/\s+/)[0];
      const c = parseCidr(token);
      if (!c) {
        badLines++;
        if (badSamples.length < 5) badSamples.push(raw.slice(0, 120));
        continue;
      }
      cidrs.push(c);
    }
    return { cidrs, badLines, badSamples };
  }

  /** Replaces the sources and reloads. */
  setSources(sources: ThreatListSource[]): ThreatListStats[] {
    this.sources = sources;
    return this.reload();
  }

  /** Re-reads every source and swaps the index in one step. Throws (keeping the old index) on IO errors. */
  reload(): ThreatListStats[] {
    const parsed = this.sources.map((s) => {
      const text = s.text ?? readFileSync(s.path as string, 'utf8');
      return { source: s, list: ThreatIntel.parse(text) };
    });
    this.index = ThreatIntel.build(parsed);
    return this.index.stats;
  }

  get stats(): ThreatListStats[] {
    return this.index.stats;
  }

  get categories(): readonly string[] {
    return this.index.categories;
  }

  /** Number of disjoint IPv4 ranges plus IPv6 prefixes held. */
  get size(): number {
    return this.index.starts.length + this.index.v6.length;
  }

  /** Bit of a category in lookup masks (0 when no list has it). */
  categoryBit(name: string): number {
    const i = this.index.categories.indexOf(name);
    return i < 0 ? 0 : 1 << i;
  }

  categoryNames(mask: number): string[] {
    const out: string[] = [];
    const cats = this.index.categories;
    for (let i = 0; i < cats.length; i++) if (mask & (1 << i)) out.push(cats[i]);
    return out;
  }

  /** Category mask of an IPv4 address (unsigned 32-bit), 0 when unlisted. */
  lookupV4(addr: number): number {
    const idx = this.index;
    const starts = idx.starts;
    const a = addr >>> 0;
    const p = a >>> 12;
    if ((idx.any20[p >>> 5] & (1 << (p & 31))) === 0) return 0;
    const b = a >>> 16;
    let lo = idx.by16[b];
    let hi = idx.by16[b + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= a) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && a <= idx.ends[hi] ? idx.masks[hi] : 0;
  }

  lookupV6(words: ArrayLike<number>, off: number): number {
    let mask = 0;
    for (const p of this.index.v6) {
      let left = p.bits;
      let ok = true;
      for (let k = 0; k < 4 && left > 0 && ok; k++) {
        const take = left >= 32 ? 32 : left;
        const m = take === 32 ? 0xffffffff : ~(0xffffffff >>> take) >>> 0;
        ok = (words[off + k] & m) >>> 0 === p.words[k];
        left -= take;
      }
      if (ok) mask |= p.mask;
    }
    return mask;
  }

  lookup(family: number, words: ArrayLike<number>, off: number): number {
    return family === 6 ? this.lookupV6(words, off) : this.lookupV4(words[off]);
  }

  private static build(parsed: { source: ThreatListSource; list: ParsedThreatList }[]): ThreatIndex {
    const categories: string[] = [];
    for (const p of parsed) if (!categories.includes(p.source.category)) categories.push(p.source.category);
    if (categories.length > 31) throw new Error('at most 31 threat categories');

    // Sweep over range boundaries, keeping a per-category depth so overlapping lists merge.
    const pos: number[] = [];
    const delta: number[] = [];
    const v6: ThreatIndex['v6'] = [];
    for (const p of parsed) {
      const bit = categories.indexOf(p.source.category);
      for (const c of p.list.cidrs) {
        if (c.family === 6) {
          v6.push({ words: c.words, bits: c.bits, mask: 1 << bit });
          continue;
        }
        const size = 2 ** (32 - c.bits);
        pos.push(c.words[0], c.words[0] + size);
        delta.push(bit + 1, -(bit + 1));
      }
    }
    const order = pos.map((_, i) => i).sort((a, b) => pos[a] - pos[b]);
    const depth = new Int32Array(32);
    const starts: number[] = [];
    const ends: number[] = [];
    const masks: number[] = [];
    let mask = 0;
    for (let k = 0; k < order.length;) {
      const at = pos[order[k]];
      while (k < order.length && pos[order[k]] === at) {
        const d = delta[order[k]];
        const bit = Math.abs(d) - 1;
        depth[bit] += d > 0 ? 1 : -1;
        k++;
      }
      let next = 0;
      for (let b = 0; b < 32; b++) if (depth[b] > 0) next |= 1 << b;
      mask = next >>> 0;
      const until = k < order.length ? pos[order[k]] - 1 : 0xffffffff;
      if (mask !== 0 && at <= 0xffffffff) {
        const last = masks.length - 1;
        if (last >= 0 && masks[last] === mask && ends[last] + 1 === at) ends[last] = until;
        else {
          starts.push(at);
          ends.push(until);
          masks.push(mask);
        }
      }
    }
    const any20 = new Uint32Array(1 << 15);
    for (let r = 0; r < starts.length; r++) {
      for (let p = starts[r] >>> 12; p <= ends[r] >>> 12; p++) any20[p >>> 5] |= 1 << (p & 31);
    }
    const by16 = new Int32Array(65537);
    for (let b = 0, r = 0; b <= 65536; b++) {
      while (r < starts.length && starts[r] < b * 65536) r++;
      by16[b] = r;
    }
    return {
      starts: Uint32Array.from(starts),
      ends: Uint32Array.from(ends),
      masks: Uint32Array.from(masks),
      by16,
      any20,
      v6,
      categories,
      stats: parsed.map((p) => ({
        category: p.source.category,
        source: p.source.path ?? 'inline',
        entries: p.list.cidrs.length,
        badLines: p.list.badLines,
        badSamples: p.list.badSamples,
      })),
    };
  }
}
