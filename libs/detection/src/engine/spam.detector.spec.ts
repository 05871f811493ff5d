import { EngineHarness, MIN, RST, ACK, SYN, T0, ipAt } from './testing/flow-factory';

const VM = '10.1.0.5';

describe('spam detection', () => {
  it.each([
    [50, true],
    [49, false],
  ])('SMTP to %i distinct mail servers in 5 min -> %s', (n, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < n; k++)
      h.add({
        t: T0 + k * 5000,
        src: VM,
        dst: ipAt('198.51.100.1', k),
        srcPort: 40000 + k,
        dstPort: 25,
        packets: 20,
        bytes: 9000,
        srcVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 source spam/smtp-fanout'] : []);
    if (fires)
      expect(h.of('spam')[0]).toMatchObject({
        direction: 'outbound',
        severity: 'high',
        ports: [25],
        counts: { distinctPeers: 50 },
      });
  });

  it('relaying everything through one smarthost is not spam', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 500; k++)
      h.add({
        t: T0 + k * 1000,
        src: VM,
        dst: '198.51.100.25',
        srcPort: 30000 + k,
        dstPort: 25,
        packets: 20,
        bytes: 9000,
        srcVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it("a spam run's refused connections are counted as spam, not also as a port scan", () => {
    const h = new EngineHarness();
    for (let k = 0; k < 80; k++) {
      const mx = ipAt('198.51.100.1', k);
      h.add({
        t: T0 + k * 3000,
        src: VM,
        dst: mx,
        srcPort: 40000 + k,
        dstPort: 25,
        flags: SYN,
        packets: 1,
        bytes: 60,
        srcVm: 0,
      });
      h.add({
        t: T0 + k * 3000 + 1,
        src: mx,
        dst: VM,
        srcPort: 25,
        dstPort: 40000 + k,
        flags: RST | ACK,
        packets: 1,
        bytes: 40,
        dstVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source spam/smtp-fanout']);
  });
});
