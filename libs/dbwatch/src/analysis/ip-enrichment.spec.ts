import {
  emptyIpFacts,
  ipv4ToNumber,
  IpEnrichment,
  loadIpEnrichment,
  parseCloudRegions,
  parseNamedNetworks,
} from './ip-enrichment';

describe('IpEnrichment', () => {
  it('parses dotted quads without allocating, refusing everything else', () => {
    expect(ipv4ToNumber('127.0.0.1')).toBe(0x7f000001);
    expect(ipv4ToNumber('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '::1', '1.2.3.4 ', 'a.b.c.d'])
      expect(ipv4ToNumber(bad)).toBe(-1);
  });

  it('answers country, AS and cloud provider from the shipped data (IPv4)', () => {
    const e = loadIpEnrichment({});
    expect(e.size).toBeGreaterThan(500_000);
    const f = e.lookup('52.95.110.1', emptyIpFacts());
    expect(f).toMatchObject({ country: 'US', asn: 16509, provider: 'aws' });
    expect(e.lookup('193.0.6.139', emptyIpFacts())).toMatchObject({ country: 'NL', asn: 3333, provider: '' });
    expect(e.lookup('10.1.2.3', emptyIpFacts())).toMatchObject({ country: '', asn: 0 });
  });

  it('answers country, AS and cloud provider from the shipped data (IPv6)', () => {
    const e = loadIpEnrichment({});
    expect(e.lookup('2001:4860:4860::8888', emptyIpFacts())).toMatchObject({ country: 'US', asn: 15169 });
    expect(e.lookup('2a05:d014::1', emptyIpFacts())).toMatchObject({ country: 'DE', asn: 16509, provider: 'aws' });
    expect(e.lookup('2001:67c:2e8:22::c100:68b', emptyIpFacts())).toMatchObject({ country: 'NL', asn: 3333 });
    expect(e.lookup('fd00::1', emptyIpFacts())).toMatchObject({ country: '', asn: 0 });
    expect(e.lookup('2001:4860::zz', emptyIpFacts())).toMatchObject({ country: '', asn: 0 });
  });

  it("the operator's named networks and regions win, most specific first, IPv6 too", () => {
    const e = new IpEnrichment().setNamed([
      ...parseNamedNetworks(
        '10.0.0.0/8,FR,AS64510,,,corp\n10.9.0.0/16,JP,64511,azure,,tokyo-office\n2001:db8::/32,SE,,,,v6-lab',
      ),
      ...parseCloudRegions('10.9.9.0/24,ap-east # our DC'),
    ]);
    expect(e.lookup('10.1.2.3', emptyIpFacts())).toMatchObject({ country: 'FR', asn: 64510, label: 'corp' });
    expect(e.lookup('10.9.1.1', emptyIpFacts())).toMatchObject({
      country: 'JP',
      provider: 'azure',
      label: 'tokyo-office',
    });
    expect(e.lookup('10.9.9.9', emptyIpFacts())).toMatchObject({ region: 'ap-east', country: '' });
    expect(e.lookup('2001:db8::5', emptyIpFacts())).toMatchObject({ country: 'SE', label: 'v6-lab' });
    expect(() => parseNamedNetworks('10.0.0.0/33,FR')).toThrow(/line 1/);
    expect(() => parseNamedNetworks('10.0.0.0/8,France')).toThrow(/country/);
  });
});
