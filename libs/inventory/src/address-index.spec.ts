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

  it('stays correct with many colliding keys', () => {
    const b = new AddressIndexBuilder();
    for (let i = 0; i < 50_000; i++) b.addV4(i, (0x0a000000 + i * 256) >>> 0, -Infinity, Infinity);
    const idx = b.build();
    for (let i = 0; i < 50_000; i += 97) expect(idx.lookupV4((0x0a000000 + i * 256) >>> 0, 0)).toBe(i);
    expect(idx.lookupV4(0x0a000001, 0)).toBe(-1);
    expect(AddressIndex.empty().lookupV4(1, 0)).toBe(-1);
  });
});
