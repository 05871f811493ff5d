import { formatIPv6, parseIPv4, parseIPv6 } from '@sg/common';
import { parseIPv4Ascii, parseIPv6Ascii, parseUintAscii } from './ascii';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

function v6(s: string): number[] | null {
  const out = new Uint32Array(4);
  const b = bytes(`  ${s}  `);
  return parseIPv6Ascii(b, 2, b.length - 2, out, 0) ? Array.from(out) : null;
}

describe('ascii parsing', () => {
  it('reads unsigned integers within a bound', () => {
    const b = bytes('x12345 0 9007199254740991 9007199254740992 12a -1');
    expect(parseUintAscii(b, 1, 6, 99999)).toBe(12345);
    expect(parseUintAscii(b, 1, 6, 12344)).toBe(-1);
    expect(parseUintAscii(b, 7, 8, 10)).toBe(0);
    expect(parseUintAscii(b, 9, 25, Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseUintAscii(b, 26, 42, Number.MAX_SAFE_INTEGER)).toBe(-1);
    expect(parseUintAscii(b, 43, 46, 1000)).toBe(-1);
    expect(parseUintAscii(b, 47, 49, 1000)).toBe(-1);
    expect(parseUintAscii(b, 3, 3, 1000)).toBe(-1);
  });

  it('reads dotted quads and refuses near misses', () => {
    for (const s of ['0.0.0.0', '255.255.255.255', '10.0.0.22', '192.168.1.1']) {
      expect(parseIPv4Ascii(bytes(s), 0, s.length)).toBe(parseIPv4(s));
    }
    for (const s of [
      '256.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '1..2.3',
      '1.2.3.',
      '.1.2.3',
      '1.2.3.4x',
      '1234.1.1.1',
      'a.b.c.d',
    ]) {
      expect(parseIPv4Ascii(bytes(s), 0, s.length)).toBe(-1);
    }
  });

  it('reads IPv6 in every text form, agreeing with the common parser', () => {
    const cases = [
      '::',
      '::1',
      '1::',
      '2001:db8::1',
      '2001:DB8:0:0:8:800:200C:417A',
      'fe80::1:2',
      '::ffff:10.0.0.1',
      '64:ff9b::192.0.2.33',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6::8',
      '1::3:4:5:6:7:8',
      '1:2:3:4:5:6:1.2.3.4',
    ];
    for (const s of cases) expect([s, v6(s)]).toEqual([s, Array.from(parseIPv6(s) as Uint32Array)]);
    for (const s of [
      ':',
      ':1',
      '1:',
      '1:::2',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      '::1.2.3',
      '1:2:3:4:5:6:7:1.2.3.4',
      'fe80::1%eth0',
      '1.2.3.4',
    ]) {
      expect([s, v6(s)]).toEqual([s, null]);
    }
  });

  it('round-trips random addresses through their canonical text', () => {
    const r = rng(99);
    for (let k = 0; k < 2000; k++) {
      const w = Uint32Array.from({ length: 4 }, () => (r() < 0.3 ? 0 : Math.floor(r() * 2 ** 32)));
      const text = formatIPv6(w);
      expect(v6(text)).toEqual(Array.from(w));
    }
  });
});
