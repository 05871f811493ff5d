import { ThreatIntel } from './threat-intel';
import { ACK, EngineHarness, FIN, MIN, PSH, SYN, T0 } from './testing/flow-factory';

const VM = '10.1.0.5';
const intel = () =>
  new ThreatIntel([
    { category: 'c2', text: '# c2\n185.220.101.47\n' },
    { category: 'drop', text: '45.137.21.0/24 ; SBL474951\n' },
    { category: 'tor', text: '199.249.230.87\n' },
    { category: 'mining', text: '51.255.34.0/24\n' },
  ]);

describe('malicious-peer and listed mining pools', () => {
  it('beaconing to a listed C2 is a source finding (both directions of the connection)', () => {
    const h = new EngineHarness({}, { threatIntel: intel() });
    for (let k = 0; k < 4; k++) {
      h.add({
        t: T0 + k * 30_000,
        src: VM,
        dst: '185.220.101.47',
        srcPort: 50000 + k,
        dstPort: 443,
        packets: 9,
        bytes: 1400,
        flags: SYN | ACK | PSH | FIN,
        srcVm: 0,
      });
      h.add({
        t: T0 + k * 30_000 + 1,
        src: '185.220.101.47',
        dst: VM,
        srcPort: 443,
        dstPort: 50000 + k,
        packets: 8,
        bytes: 2100,
        flags: SYN | ACK | PSH | FIN,
        dstVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source malicious-peer/c2']);
    expect(h.of('malicious-peer')[0]).toMatchObject({
      severity: 'high',
      direction: 'outbound',
      ports: [443],
      topPeers: [{ ip: '185.220.101.47' }],
    });
  });

  it('accepted connections from a listed network are a target finding; rejected ones are noise', () => {
    const accepted = new EngineHarness({}, { threatIntel: intel() });
    const rejected = new EngineHarness({}, { threatIntel: intel() });
    accepted.add({
      t: T0 + 1000,
      src: '45.137.21.9',
      dst: VM,
      srcPort: 51000,
      dstPort: 80,
      packets: 6,
      bytes: 900,
      action: 'allow',
      dstVm: 0,
    });
    accepted.add({
      t: T0 + 1001,
      src: VM,
      dst: '45.137.21.9',
      srcPort: 80,
      dstPort: 51000,
      packets: 6,
      bytes: 4000,
      action: 'allow',
      srcVm: 0,
    });
    rejected.add({
      t: T0 + 1000,
      src: '45.137.21.9',
      dst: VM,
      srcPort: 51000,
      dstPort: 3389,
      packets: 1,
      bytes: 44,
      action: 'deny',
      dstVm: 0,
    });
    accepted.finish(T0 + 30 * MIN);
    rejected.finish(T0 + 30 * MIN);
    expect(accepted.summary()).toEqual(['vm-0 target malicious-peer/drop']);
    expect(accepted.of('malicious-peer')[0].severity).toBe('low');
    expect(rejected.summary()).toEqual([]);
  });

  it('reaching Tor is medium severity; a listed pool is kind mining', () => {
    const h = new EngineHarness({}, { threatIntel: intel() });
    h.add({
      t: T0 + 1000,
      src: VM,
      dst: '199.249.230.87',
      srcPort: 50001,
      dstPort: 9001,
      packets: 200,
      bytes: 90000,
      srcVm: 0,
    });
    h.add({
      t: T0 + 2000,
      src: VM,
      dst: '51.255.34.17',
      srcPort: 50002,
      dstPort: 443,
      packets: 40,
      bytes: 9000,
      srcVm: 0,
    });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source malicious-peer/tor', 'vm-0 source mining/pool-list']);
    expect(h.of('malicious-peer')[0].severity).toBe('medium');
  });

  it('without lists nothing is looked up; a reload takes effect for later traffic', () => {
    const ti = new ThreatIntel([]);
    const h = new EngineHarness({}, { threatIntel: ti });
    h.add({
      t: T0 + 1000,
      src: VM,
      dst: '185.220.101.47',
      srcPort: 50000,
      dstPort: 443,
      packets: 9,
      bytes: 1400,
      srcVm: 0,
    }).flush();
    ti.setSources([{ category: 'c2', text: '185.220.101.47' }]);
    h.add({
      t: T0 + 2000,
      src: VM,
      dst: '185.220.101.47',
      srcPort: 50001,
      dstPort: 443,
      packets: 9,
      bytes: 1400,
      srcVm: 0,
    });
    h.finish(T0 + 30 * MIN);
    expect(h.of('malicious-peer')[0].counts.flows).toBe(1);
  });
});
