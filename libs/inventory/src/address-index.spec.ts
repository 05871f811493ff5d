import { parseIPv4, parseIPv6 } from '@sg/common';
import { AddressIndex, AddressIndexBuilder } from './address-index';

const T = (iso: string) => Date.parse(iso);

describe('AddressIndex', () => {
  it('finds the VM that held an address at a time, with reuse across VMs', () => {
    const b = new AddressIndexBuilder();
    const ip = parseIPv4('10.0.0.5');
    b.addV4(1, ip, -Infinity, T('2024-05-01T00:00:00Z'));
    b.addV4(2, ip, T('2024-05-01T00:00:00Z'), Infinity);
    b.addV4(3, parseIPv4('10.0.0.6'), -Infinity, Infinity);
    const idx = b.build();
    expect(idx.lookupV4(ip, T('2024-04-30T23:59:59Z'))).toBe(1);
    expect(idx.lookupV4(ip, T('2024-05-01T00:00:00Z'))).toBe(2);
    expect(idx.lookupV4(parseIPv4('10.0.0.6'), 0)).toBe(3);
    expect(idx.lookupV4(parseIPv4('10.0.0.7'), 0)).toBe(-1);
    expect(idx.addresses).toBe(2);
    expect(idx.size).toBe(3);
  });

  it('leaves gaps between intervals unattributed', () => {
    const b = new AddressIndexBuilder();
    const ip = parseIPv4('192.0.2.1');
    b.addV4(7, ip, T('2024-01-01T00:00:00Z'), T('2024-02-01T00:00:00Z'));
    const idx = b.build();
    expect(idx.lookupV4(ip, T('2023-12-31T00:00:00Z'))).toBe(-1);
    expect(idx.lookupV4(ip, T('2024-01-15T00:00:00Z'))).toBe(7);
    expect(idx.lookupV4(ip, T('2024-02-01T00:00:00Z'))).toBe(-1);
  });

  it('handles IPv6 and addresses with the high bit set', () => {
    const b = new AddressIndexBuilder();
    const v6 = parseIPv6('2001:db8::1')!;
    b.addV6(4, v6, -Infinity, Infinity);
    b.addV4(5, parseIPv4('203.0.113.9'), -Infinity, Infinity);
    const idx = b.build();
    expect(idx.lookupV6(v6, 0, 0)).toBe(4);
    expect(idx.lookup(6, parseIPv6('2001:db8::2')!, 0, 0)).toBe(-1);
    expect(idx.lookup(4, [parseIPv4('203.0.113.9')], 0, 0)).toBe(5);
  });

  it('answers the edges of the /16s that hold VM addresses, and none outside them', () => {
    // The /16 presence bitmap: bits 0 and 31 of a word, the next word, and the last /16.
    const held = ['10.0.255.255', '10.31.0.0', '10.32.0.1', '255.255.255.255', '128.0.0.0'];
    const b = new AddressIndexBuilder();
    held.forEach((a, i) => b.addV4(i, parseIPv4(a), -Infinity, Infinity));
    const idx = b.build();
    held.forEach((a, i) => expect(idx.lookupV4(parseIPv4(a), 0)).toBe(i));
    for (const a of ['10.1.0.0', '10.30.255.255', '10.33.0.1', '255.254.255.255', '127.255.255.255', '0.0.0.0'])
      expect(idx.lookupV4(parseIPv4(a), 0)).toBe(-1);
    // Within a held /16, an address that is not a key still misses through the table.
    expect(idx.lookupV4(parseIPv4('10.0.255.254'), 0)).toBe(-1);
  });

  it('stays correct with many colliding keys', () => {
    const b = new AddressIndexBuilder();
    for (let i = 0; i < 50_000; i++) b.addV4(i, (0x0a000000 + i * 256) >>> 0, -Infinity, Infinity);
    const idx = b.build();
    for (let i = 0; i < 50_000; i += 97) expect(idx.lookupV4((0x0a000000 + i * 256) >>> 0, 0)).toBe(i);
    expect(idx.lookupV4(0x0a000001, 0)).toBe(-1);
    expect(AddressIndex.empty().lookupV4(1, 0)).toBe(-1);
  });

  it('answers an address held since a time exactly: not before its start, also within its first minute', () => {
    const b = new AddressIndexBuilder();
    const ip = parseIPv4('10.0.0.9');
    const from = T('2024-05-01T00:00:30.500Z');
    b.addV4(8, ip, from, Infinity);
    const idx = b.build();
    expect(idx.lookupV4(ip, from - 1)).toBe(-1);
    expect(idx.lookupV4(ip, T('2024-05-01T00:00:00Z'))).toBe(-1);
    expect(idx.lookupV4(ip, from)).toBe(8);
    expect(idx.lookupV4(ip, from + 10_000)).toBe(8);
    expect(idx.lookupV4(ip, T('2024-06-01T00:00:00Z'))).toBe(8);
  });

  it('agrees with a scan of the intervals for addresses held once, moved and released', () => {
    let seed = 11;
    const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const base = T('2024-01-01T00:00:00Z');
    const added: { vm: number; ip: number; from: number; to: number }[] = [];
    const b = new AddressIndexBuilder();
    for (let a = 0; a < 2_000; a++) {
      const ip = (0xc0a80000 + a) >>> 0;
      // 0: held since ever; 1: held since a time; 2: moved to another VM; 3: held for a while;
      // 4: moved, the newer interval added first; 5: overlapping (bad data: the chain's newest wins).
      const shape = rnd(6);
      const t1 = base + rnd(86_400_000);
      const t2 = t1 + 1 + rnd(86_400_000);
      const intervals =
        shape === 0
          ? [[-Infinity, Infinity]]
          : shape === 1
            ? [[t1, Infinity]]
            : shape === 2
              ? [
                  [-Infinity, t1],
                  [t1, Infinity],
                ]
              : shape === 3
                ? [[t1, t2]]
                : shape === 4
                  ? [
                      [t1, Infinity],
                      [-Infinity, t1],
                    ]
                  : [
                      [t1, Infinity],
                      [t1, t2],
                    ];
      intervals.forEach(([from, to], k) => {
        const vm = a * 4 + k;
        b.addV4(vm, ip, from, to);
        added.push({ vm, ip, from, to });
      });
    }
    const idx = b.build();
    for (let q = 0; q < 20_000; q++) {
      // Half the queries land within two minutes of an interval's bound, where rounding would show.
      const near = added[rnd(added.length)];
      const bound = rnd(2) === 0 ? near.from : near.to;
      const ip = q % 2 === 0 ? near.ip : (0xc0a80000 + rnd(2_100)) >>> 0;
      const t =
        q % 2 === 0 && Number.isFinite(bound) ? bound - 120_000 + rnd(240_000) : base - 3_600_000 + rnd(3 * 86_400_000);
      const want = added.findLast((x) => x.ip === ip && t >= x.from && t < x.to)?.vm ?? -1;
      if (idx.lookupV4(ip, t) !== want)
        throw new Error(`lookup of ${ip} at ${t}: ${idx.lookupV4(ip, t)}, want ${want}`);
    }
  });
});
