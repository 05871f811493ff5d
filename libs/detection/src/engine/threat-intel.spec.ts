import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIPv4, parseIPv6 } from '@sg/common';
import { ThreatIntel } from './threat-intel';

const v4 = (s: string) => parseIPv4(s);

describe('ThreatIntel', () => {
  const SPAMHAUS = [
    '; Spamhaus DROP List 2024/06/03 - (c) 2024 The Spamhaus Project',
    '; Last-Modified: Mon, 03 Jun 2024',
    '1.10.16.0/20 ; SBL256894',
    '2.56.192.0/22 ; SBL459831',
    '223.254.0.0/16;SBL212803',
    '',
  ].join('\n');
  const FIREHOL = [
    '#',
    '# firehol_level1 ipset',
    '#',
    '5.188.10.0/23',
    '185.220.101.47',
    '  31.13.191.0/24   # trailing comment',
    'garbage line',
    '10.0.0.0/33',
    '2001:db8:dead::/48',
    '',
  ].join('\r\n');

  it('parses Spamhaus DROP and FireHOL styles, skipping comments and counting bad lines', () => {
    const a = ThreatIntel.parse(SPAMHAUS);
    expect(a.cidrs.map((c) => c.text)).toEqual(['1.10.16.0/20', '2.56.192.0/22', '223.254.0.0/16']);
    expect(a.badLines).toBe(0);
    const b = ThreatIntel.parse(FIREHOL);
    expect(b.cidrs.map((c) => c.text)).toEqual([
      '5.188.10.0/23',
      '185.220.101.47',
      '31.13.191.0/24',
      '2001:db8:dead::/48',
    ]);
    expect(b.badLines).toBe(2);
    expect(b.badSamples).toEqual(['garbage line', '10.0.0.0/33']);
  });

  it('looks up addresses by category across overlapping lists, range edges included', () => {
    const ti = new ThreatIntel([
      { category: 'drop', text: SPAMHAUS },
      { category: 'c2', text: FIREHOL },
      { category: 'tor', text: '1.10.20.0/24\n185.220.101.47' },
    ]);
    const drop = ti.categoryBit('drop');
    const c2 = ti.categoryBit('c2');
    const tor = ti.categoryBit('tor');
    expect(ti.lookupV4(v4('1.10.16.0'))).toBe(drop);
    expect(ti.lookupV4(v4('1.10.31.255'))).toBe(drop);
    expect(ti.lookupV4(v4('1.10.32.0'))).toBe(0);
    expect(ti.lookupV4(v4('1.10.15.255'))).toBe(0);
    expect(ti.lookupV4(v4('1.10.20.7'))).toBe(drop | tor);
    expect(ti.lookupV4(v4('185.220.101.47'))).toBe(c2 | tor);
    expect(ti.lookupV4(v4('185.220.101.48'))).toBe(0);
    expect(ti.lookupV4(v4('223.254.255.255'))).toBe(drop);
    expect(ti.categoryNames(c2 | tor)).toEqual(['c2', 'tor']);
    const v6 = parseIPv6('2001:db8:dead:1::5') as Uint32Array;
    expect(ti.lookupV6(v6, 0)).toBe(c2);
    expect(ti.lookup(6, parseIPv6('2001:db8:beef::1') as Uint32Array, 0)).toBe(0);
    expect(ti.stats.map((s) => [s.category, s.entries, s.badLines])).toEqual([
      ['drop', 3, 0],
      ['c2', 4, 2],
      ['tor', 2, 0],
    ]);
  });

  it('merges adjacent ranges and handles the top of the address space', () => {
    const ti = new ThreatIntel([{ category: 'x', text: '10.0.0.0/25\n10.0.0.128/25\n255.255.255.0/24' }]);
    expect(ti.size).toBe(2);
    expect(ti.lookupV4(v4('10.0.0.200'))).toBe(1);
    expect(ti.lookupV4(v4('255.255.255.255'))).toBe(1);
    expect(ti.lookupV4(0)).toBe(0);
  });

  it('reloads files atomically and keeps the old index when a file cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ti-'));
    try {
      const file = join(dir, 'c2.txt');
      writeFileSync(file, '203.0.113.5\n');
      const ti = new ThreatIntel(ThreatIntel.sourcesFromEnv(`c2=${file}`));
      expect(ti.lookupV4(v4('203.0.113.5'))).toBe(1);
      writeFileSync(file, '# rotated\n198.51.100.0/24\n');
      ti.reload();
      expect(ti.lookupV4(v4('203.0.113.5'))).toBe(0);
      expect(ti.lookupV4(v4('198.51.100.77'))).toBe(1);
      rmSync(file);
      expect(() => ti.reload()).toThrow();
      expect(ti.lookupV4(v4('198.51.100.77'))).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses THREAT_LISTS and rejects malformed entries', () => {
    expect(ThreatIntel.sourcesFromEnv(' c2=/a.txt , tor=/b.txt')).toEqual([
      { category: 'c2', path: '/a.txt' },
      { category: 'tor', path: '/b.txt' },
    ]);
    expect(ThreatIntel.sourcesFromEnv(undefined)).toEqual([]);
    expect(() => ThreatIntel.sourcesFromEnv('c2')).toThrow('category=path');
  });

  it('looks up a million-range list quickly without allocating', () => {
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(`${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}.0/24`);
    const ti = new ThreatIntel([{ category: 'big', text: lines.join('\n') }]);
    let hits = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1_000_000; i++) hits += ti.lookupV4((i * 2654435761) >>> 0) ? 1 : 0;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(hits).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1500);
  });

  it('answers every IPv4 address as a scan of the merged lists would (wide and narrow, overlapping prefixes)', () => {
    let seed = 99;
    const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const lists = [0, 1, 2].map(() => {
      const cidrs: { lo: number; hi: number }[] = [];
      const lines: string[] = [];
      for (let i = 0; i < 400; i++) {
        // Prefixes from /8 to /32 around a few dense areas, so ranges span and share /16 buckets.
        const bits = 8 + rnd(25);
        const base =
          ((([10, 45, 185, 223][rnd(4)] << 24) | (rnd(4) << 16) | (rnd(256) << 8) | rnd(256)) >>> 0) &
          (bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits));
        const lo = base >>> 0;
        const hi = (lo + 2 ** (32 - bits) - 1) >>> 0;
        cidrs.push({ lo, hi });
        lines.push(`${lo >>> 24}.${(lo >>> 16) & 255}.${(lo >>> 8) & 255}.${lo & 255}/${bits}`);
      }
      return { cidrs, text: lines.join('\n') };
    });
    const intel = new ThreatIntel(lists.map((l, i) => ({ category: `c${i}`, text: l.text })));
    const expected = (a: number) => {
      let m = 0;
      lists.forEach((l, i) => {
        if (l.cidrs.some((c) => a >= c.lo && a <= c.hi)) m |= intel.categoryBit(`c${i}`);
      });
      return m >>> 0;
    };
    const probes: number[] = [];
    for (const l of lists)
      for (const c of l.cidrs)
        probes.push(c.lo, c.hi, (c.lo - 1) >>> 0, (c.hi + 1) >>> 0, (c.lo + ((c.hi - c.lo) >>> 1)) >>> 0);
    for (let i = 0; i < 2000; i++) probes.push(((rnd(65536) << 16) | rnd(65536)) >>> 0);
    probes.push(0, 0xffffffff);
    for (const a of probes) expect(intel.lookupV4(a) >>> 0).toBe(expected(a));
  });
});
