import { readFileSync } from 'node:fs';
import { parseCidr, parseIPv6, type Cidr } from '@sg/common/ip';
import { CLOUD_PROVIDER_ASNS } from './cloud-provider-asns';

/**
 * What is known about a client address. `IpEnrichment.lookup` fills one reused object, so the
 * detectors' hot path allocates nothing per event: every string in it is interned at load.
 */
export interface IpFacts {
  /** ISO 3166 alpha-2 country, '' when unknown. */
  country: string;
  /** Autonomous system number, 0 when unknown. */
  asn: number;
  asName: string;
  /** Cloud provider (`aws`, `azure`, ...), '' when not a known cloud network. */
  provider: string;
  /** The operator's own region (CLOUD_REGIONS or a named network), '' when not one of ours. */
  region: string;
  /** Label of the operator's named network the address is in, '' when none. */
  label: string;
}

export function emptyIpFacts(): IpFacts {
  return { country: '', asn: 0, asName: '', provider: '', region: '', label: '' };
}

/** A line of the operator's named-networks file: `cidr,country,asn,provider,region,label`. */
export interface NamedNetwork {
  cidr: Cidr;
  country: string;
  asn: number;
  provider: string;
  region: string;
  label: string;
}

/** Where the shipped data comes from, for the README and alert evidence. */
export const IP_DATA_ATTRIBUTION =
  'Country: @ip-location-db/geo-whois-asn-country 2.3.2026061719 (data of 2026-06-17; NRO, CC BY 4.0). ' +
  'AS numbers: @ip-location-db/asn 2.3.2026061719 (data of 2026-06-17; RouteViews, DB-IP and NRO, CC BY 4.0).';

interface RangeTable {
  starts: Uint32Array;
  ends: Uint32Array;
  values: Uint32Array;
}

const EMPTY_TABLE: RangeTable = { starts: new Uint32Array(0), ends: new Uint32Array(0), values: new Uint32Array(0) };

/**
 * IPv6 ranges by their upper 64 bits (hi and lo word of start and end): address space is handed
 * out in /64s or larger, so nothing the shipped data tells apart lies inside one /64.
 */
interface RangeTable6 {
  startHi: Uint32Array;
  startLo: Uint32Array;
  endHi: Uint32Array;
  endLo: Uint32Array;
  values: Uint32Array;
}

const EMPTY_TABLE6: RangeTable6 = {
  startHi: new Uint32Array(0),
  startLo: new Uint32Array(0),
  endHi: new Uint32Array(0),
  endLo: new Uint32Array(0),
  values: new Uint32Array(0),
};

/**
 * Parses a dotted-quad IPv4 without allocating; -1 when `s` is not one (IPv6, '', garbage).
 * Hot path: one pass over the characters.
 */
export function ipv4ToNumber(s: string): number {
  const len = s.length;
  if (len < 7 || len > 15) return -1;
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

function findRange(t: RangeTable, a: number): number {
  const starts = t.starts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] <= a) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && a <= t.ends[hi] ? hi : -1;
}

/** The range of `t` holding the address whose upper 64 bits are (hi, lo); -1 when none. */
function findRange6(t: RangeTable6, hi: number, lo: number): number {
  let a = 0;
  let b = t.startHi.length - 1;
  while (a <= b) {
    const mid = (a + b) >>> 1;
    const sh = t.startHi[mid];
    if (sh < hi || (sh === hi && t.startLo[mid] <= lo)) a = mid + 1;
    else b = mid - 1;
  }
  if (b < 0) return -1;
  const eh = t.endHi[b];
  return hi < eh || (hi === eh && lo <= t.endLo[b]) ? b : -1;
}

/**
 * Offline enrichment of client addresses: country and AS number from data shipped in npm packages
 * (IPv4 and IPv6; loaded into sorted typed arrays, found by binary search), cloud
 * provider from the AS number, and the operator's own knowledge on top: named networks
 * (DBWATCH_NETWORKS) and data-centre prefixes by region (CLOUD_REGIONS), most specific first.
 */
export class IpEnrichment {
  private countryTable: RangeTable = EMPTY_TABLE;
  private countryCodes: string[] = [''];
  private asnTable: RangeTable = EMPTY_TABLE;
  private countryTable6: RangeTable6 = EMPTY_TABLE6;
  private asnTable6: RangeTable6 = EMPTY_TABLE6;
  private asNames = new Map<number, string>();
  private readonly providerOfAsn = new Map<number, string>();
  /** Named networks and regions, most specific first (operator files are short). */
  private named: NamedNetwork[] = [];
  private namedV4Start = new Uint32Array(0);
  private namedV4End = new Uint32Array(0);
  private readonly strings = new Map<string, string>();

  constructor() {
    for (const [provider, asns] of Object.entries(CLOUD_PROVIDER_ASNS))
      for (const asn of asns) this.providerOfAsn.set(asn, provider);
  }

  /** Loads the shipped country and AS data, IPv4 and IPv6 (about two seconds, 16 MB of arrays). */
  loadShipped(): this {
    const country = (value: string) => {
      let i = this.countryCodes.indexOf(value);
      if (i < 0) i = this.countryCodes.push(Buffer.from(value).toString()) - 1;
      return i;
    };
    const asn = (value: string, rest: string) => {
      const n = Number(value);
      // A copy, not a slice: a slice would keep the whole file's text alive.
      if (!this.asNames.has(n)) this.asNames.set(n, this.intern(Buffer.from(unquote(rest)).toString()));
      return n;
    };
    const pkg = (name: string) => require.resolve(`@ip-location-db/${name}`);
    this.countryTable = this.loadCsv(pkg('geo-whois-asn-country/geo-whois-asn-country-ipv4-num.csv'), country);
    this.asnTable = this.loadCsv(pkg('asn/asn-ipv4-num.csv'), asn);
    this.countryTable6 = this.loadCsv6(pkg('geo-whois-asn-country/geo-whois-asn-country-ipv6-num.csv'), country);
    this.asnTable6 = this.loadCsv6(pkg('asn/asn-ipv6-num.csv'), asn);
    return this;
  }

  /** A copy sharing this one's shipped tables, with the operator's networks on top. */
  withNamed(networks: NamedNetwork[]): IpEnrichment {
    const e = new IpEnrichment();
    e.countryTable = this.countryTable;
    e.countryCodes = this.countryCodes;
    e.asnTable = this.asnTable;
    e.countryTable6 = this.countryTable6;
    e.asnTable6 = this.asnTable6;
    e.asNames = this.asNames;
    return e.setNamed(networks);
  }

  /** Adds the operator's named networks and regions (they win over the shipped data). */
  setNamed(networks: NamedNetwork[]): this {
    this.named = networks
      .map((n) => ({
        ...n,
        country: this.intern(n.country.toUpperCase()),
        provider: this.intern(n.provider.toLowerCase()),
        region: this.intern(n.region),
        label: this.intern(n.label),
      }))
      .sort((a, b) => b.cidr.bits - a.cidr.bits);
    this.namedV4Start = new Uint32Array(this.named.length);
    this.namedV4End = new Uint32Array(this.named.length);
    this.named.forEach((n, i) => {
      if (n.cidr.family !== 4) return;
      this.namedV4Start[i] = n.cidr.words[0];
      this.namedV4End[i] = n.cidr.words[0] + 2 ** (32 - n.cidr.bits) - 1;
    });
    return this;
  }

  /** Fills `out` with what is known about `ip` (text); everything '' / 0 when nothing is. */
  lookup(ip: string, out: IpFacts): IpFacts {
    out.country = '';
    out.asn = 0;
    out.asName = '';
    out.provider = '';
    out.region = '';
    out.label = '';
    const a = ipv4ToNumber(ip);
    if (a < 0) {
      if (ip.indexOf(':') >= 0) this.lookupV6(ip, out);
      return out;
    }
    const c = findRange(this.countryTable, a);
    if (c >= 0) out.country = this.countryCodes[this.countryTable.values[c]];
    const r = findRange(this.asnTable, a);
    if (r >= 0) this.setAsn(this.asnTable.values[r], out);
    const named = this.named;
    for (let i = 0; i < named.length; i++) {
      if (named[i].cidr.family === 4 && a >= this.namedV4Start[i] && a <= this.namedV4End[i]) {
        this.applyNamed(named[i], out);
        break;
      }
    }
    return out;
  }

  /** Ranges held (country + AS), for the memory figures. */
  get size(): number {
    return (
      this.countryTable.starts.length +
      this.asnTable.starts.length +
      this.countryTable6.startHi.length +
      this.asnTable6.startHi.length
    );
  }

  private setAsn(asn: number, out: IpFacts): void {
    out.asn = asn;
    out.asName = this.asNames.get(asn) ?? '';
    out.provider = this.providerOfAsn.get(asn) ?? '';
  }

  private lookupV6(ip: string, out: IpFacts): void {
    const words = parseIPv6(ip);
    if (!words) return;
    const c = findRange6(this.countryTable6, words[0], words[1]);
    if (c >= 0) out.country = this.countryCodes[this.countryTable6.values[c]];
    const r = findRange6(this.asnTable6, words[0], words[1]);
    if (r >= 0) this.setAsn(this.asnTable6.values[r], out);
    for (const n of this.named) {
      if (n.cidr.family !== 6) continue;
      let left = n.cidr.bits;
      let ok = true;
      for (let k = 0; k < 4 && left > 0 && ok; k++) {
        const take = left >= 32 ? 32 : left;
        const m = take === 32 ? 0xffffffff : ~(0xffffffff >>> take) >>> 0;
        ok = (words[k] & m) >>> 0 === n.cidr.words[k];
        left -= take;
      }
      if (ok) return this.applyNamed(n, out);
    }
  }

  private applyNamed(n: NamedNetwork, out: IpFacts): void {
    if (n.country) out.country = n.country;
    if (n.asn) {
      out.asn = n.asn;
      out.asName = this.asNames.get(n.asn) ?? '';
      out.provider = this.providerOfAsn.get(n.asn) ?? '';
    }
    if (n.provider) out.provider = n.provider;
    if (n.region) out.region = n.region;
    out.label = n.label;
  }

  private intern(s: string): string {
    const have = this.strings.get(s);
    if (have !== undefined) return have;
    this.strings.set(s, s);
    return s;
  }

  /**
   * `start,end,value[,rest]` lines with numeric IPv6 bounds (decimal 128-bit), kept by their upper
   * 64 bits (decimal to words by schoolbook multiplication, no BigInt).
   */
  private loadCsv6(path: string, value: (v: string, rest: string) => number): RangeTable6 {
    let cap = 1 << 18;
    let t = allocTable6(cap);
    const w = [0, 0, 0, 0];
    let n = 0;
    scanRanges(readFileSync(path, 'utf8'), (text, pos, c1, c2, c3, eol) => {
      if (!decimal128(text, c1 + 1, c2, w)) return;
      if (n === cap) t = allocTable6((cap *= 2), t);
      t.endHi[n] = w[0];
      t.endLo[n] = w[1];
      if (!decimal128(text, pos, c1, w)) return;
      t.startHi[n] = w[0];
      t.startLo[n] = w[1];
      t.values[n] = value(text.slice(c2 + 1, c3), c3 < eol ? text.slice(c3 + 1, eol).trimEnd() : '');
      n++;
    });
    return {
      startHi: t.startHi.slice(0, n),
      startLo: t.startLo.slice(0, n),
      endHi: t.endHi.slice(0, n),
      endLo: t.endLo.slice(0, n),
      values: t.values.slice(0, n),
    };
  }

  /** `start,end,value[,rest]` lines (numeric IPv4 bounds), sorted by start as the packages ship them. */
  private loadCsv(path: string, value: (v: string, rest: string) => number): RangeTable {
    let cap = 1 << 19;
    let starts = new Uint32Array(cap);
    let ends = new Uint32Array(cap);
    let values = new Uint32Array(cap);
    let n = 0;
    scanRanges(readFileSync(path, 'utf8'), (text, pos, c1, c2, c3, eol) => {
      if (n === cap) {
        cap *= 2;
        starts = grow(starts, cap);
        ends = grow(ends, cap);
        values = grow(values, cap);
      }
      starts[n] = Number(text.slice(pos, c1));
      ends[n] = Number(text.slice(c1 + 1, c2));
      values[n] = value(text.slice(c2 + 1, c3), c3 < eol ? text.slice(c3 + 1, eol).trimEnd() : '');
      n++;
    });
    return { starts: starts.slice(0, n), ends: ends.slice(0, n), values: values.slice(0, n) };
  }
}

/**
 * Calls `row` for each line of `start,end,value[,rest]` text with the positions of the line's
 * start, its first three commas (the third is `eol` when there is no rest) and its end.
 */
function scanRanges(
  text: string,
  row: (text: string, pos: number, c1: number, c2: number, c3: number, eol: number) => void,
): void {
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const c1 = text.indexOf(',', pos);
    const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
    if (c1 > pos && c2 > c1 && c2 < eol) {
      let c3 = text.indexOf(',', c2 + 1);
      if (c3 < 0 || c3 > eol) c3 = eol;
      row(text, pos, c1, c2, c3, eol);
    }
    pos = eol + 1;
  }
}

function allocTable6(cap: number, from?: RangeTable6): RangeTable6 {
  const t: RangeTable6 = {
    startHi: new Uint32Array(cap),
    startLo: new Uint32Array(cap),
    endHi: new Uint32Array(cap),
    endLo: new Uint32Array(cap),
    values: new Uint32Array(cap),
  };
  if (from) for (const k of Object.keys(t) as (keyof RangeTable6)[]) t[k].set(from[k]);
  return t;
}

/** Scratch for decimal128: the number in eight 16-bit words, most significant first. */
const WORDS16 = new Float64Array(8);

/**
 * The decimal digits text[from, to) as four 32-bit words, most significant first; false if not
 * digits. Nine digits at a time into 16-bit words, so every product stays exact in a double.
 */
function decimal128(text: string, from: number, to: number, w: number[]): boolean {
  const x = WORDS16;
  x.fill(0);
  if (to <= from) return false;
  let i = from;
  while (i < to) {
    const end = to - i > 9 ? i + 9 : to;
    let chunk = 0;
    let scale = 1;
    for (; i < end; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return false;
      chunk = chunk * 10 + d;
      scale *= 10;
    }
    let carry = chunk;
    for (let k = 7; k >= 0; k--) {
      const v = x[k] * scale + carry;
      x[k] = v % 65536;
      carry = (v / 65536) | 0; // < 2^31: a 16-bit word times 10^9 plus a carry, over 2^16
    }
  }
  for (let k = 0; k < 4; k++) w[k] = x[2 * k] * 65536 + x[2 * k + 1];
  return true;
}

function grow(a: Uint32Array<ArrayBuffer>, cap: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}

/**
 * Parses the named-networks file (DBWATCH_NETWORKS): `cidr,country,asn,provider,region,label` a
 * line, `#` comments, empty fields allowed. Throws naming the first bad line.
 */
export function parseNamedNetworks(text: string): NamedNetwork[] {
  const out: NamedNetwork[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [cidrText, country = '', asn = '', provider = '', region = '', ...label] = line
      .split(',')
      .map((s) => s.trim());
    const cidr = parseCidr(cidrText);
    if (!cidr) throw new Error(`line ${i + 1}: not an IP prefix: "${cidrText}"`);
    if (country && !/^[A-Za-z]{2}$/.test(country)) throw new Error(`line ${i + 1}: country is not 2 letters`);
    if (asn && !/^(AS)?\d+$/i.test(asn)) throw new Error(`line ${i + 1}: not an AS number: "${asn}"`);
    out.push({
      cidr,
      country,
      asn: asn ? Number(asn.replace(/^AS/i, '')) : 0,
      provider,
      region,
      label: label.join(','),
    });
  });
  return out;
}

/** Parses CLOUD_REGIONS: `cidr,region` a line (the operator's own data-centre prefixes), `#` comments. */
export function parseCloudRegions(text: string): NamedNetwork[] {
  const out: NamedNetwork[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [cidrText, region] = line.split(/[,\s]+/);
    const cidr = parseCidr(cidrText);
    if (!cidr || !region) throw new Error(`line ${i + 1}: expected "cidr,region", got "${raw}"`);
    out.push({ cidr, country: '', asn: 0, provider: '', region, label: `region ${region}` });
  });
  return out;
}

let shipped: IpEnrichment | null = null;

/**
 * The process's enrichment: shipped data loaded once (every dbwatch consumer and bench shares it),
 * then the operator's files applied. Files are read synchronously at start.
 */
export function loadIpEnrichment(opts: { networksFile?: string; regionsFile?: string }): IpEnrichment {
  shipped ??= new IpEnrichment().loadShipped();
  const named = [
    ...(opts.networksFile ? parseNamedNetworks(readFileSync(opts.networksFile, 'utf8')) : []),
    ...(opts.regionsFile ? parseCloudRegions(readFileSync(opts.regionsFile, 'utf8')) : []),
  ];
  return shipped.withNamed(named);
}
