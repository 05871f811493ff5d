import { ACK, EngineHarness, FIN, MIN, PSH, RST, SYN, T0, ipAt } from './testing/flow-factory';

const VM = '10.1.0.5';

/** Reflectors answer a spoofed SYN with a SYN-ACK and retransmissions, sometimes a reset. */
function reflect(h: EngineHarness, hosts: number, opts: { flags?: boolean; action?: 'deny' } = {}) {
  for (let k = 0; k < hosts; k++) {
    const src = ipAt('203.0.113.1', k);
    const dstPort = 1024 + ((k * 7919) % 60000);
    const t = T0 + 20_000 + k * 20;
    h.add({
      t,
      src,
      dst: VM,
      srcPort: k % 4 === 0 ? 443 : 80,
      dstPort,
      packets: 2,
      bytes: 88,
      flags: opts.flags === false ? undefined : SYN | ACK,
      action: opts.action,
      dstVm: 0,
    });
    if (k % 5 === 0 && opts.flags !== false)
      h.add({ t: t + 3000, src, dst: VM, srcPort: 80, dstPort, packets: 1, bytes: 40, flags: RST, dstVm: 0 });
  }
}

describe('TCP reflection (unsolicited SYN-ACKs to the VM)', () => {
  it.each([
    [150, true],
    [90, false],
  ])('SYN-ACKs from %i hosts the VM never sent a SYN to -> %s (100)', (hosts, fires) => {
    const h = new EngineHarness();
    reflect(h, hosts);
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 target amplification/tcp-reflection'] : []);
    if (fires)
      expect(h.of('amplification')[0]).toMatchObject({
        role: 'target',
        direction: 'inbound',
        rule: { name: 'amplification.tcp-reflection' },
      });
    // Past 64 hosts the count is a HyperLogLog estimate (1.6% standard error).
    if (fires) expect(Math.abs(h.of('amplification')[0].rule.observed - hosts)).toBeLessThanOrEqual(hosts * 0.05);
  });

  it('cloud logs without flags: answer-shaped TCP denied by the firewall counts, allowed keep-alives do not', () => {
    const h = new EngineHarness();
    reflect(h, 150, { flags: false, action: 'deny' });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 target amplification/tcp-reflection']);
    const g = new EngineHarness();
    for (let k = 0; k < 300; k++)
      g.add({ t: T0 + k * 500, src: ipAt('203.0.113.1', k), dst: VM, srcPort: 443, dstPort: 40000 + k, dstVm: 0 });
    g.finish(T0 + 30 * MIN);
    expect(g.summary()).toEqual([]);
  });

  it.each([
    ['probes before answers', false],
    ['answers before probes (exporter order)', true],
  ])(
    'a SYN scanner reading answers to its own probes (200 of 1,000) is a scanner, not a victim (%s)',
    (_name, answersFirst) => {
      const h = new EngineHarness();
      const probes = () => {
        for (let k = 0; k < 1000; k++)
          h.add({
            t: T0 + 20_000 + k * 100,
            src: VM,
            dst: ipAt('198.51.100.1', k),
            srcPort: 50000,
            dstPort: 443,
            flags: SYN | RST,
            packets: 2,
            bytes: 84,
            srcVm: 0,
          });
      };
      const answers = () => {
        for (let k = 0; k < 1000; k += 5)
          h.add({
            t: T0 + 20_000 + k * 100 + 5,
            src: ipAt('198.51.100.1', k),
            dst: VM,
            srcPort: 443,
            dstPort: 50000,
            flags: SYN | ACK,
            packets: 1,
            bytes: 44,
            dstVm: 0,
          });
      };
      if (answersFirst) {
        answers();
        probes();
      } else {
        probes();
        answers();
      }
      h.finish(T0 + 30 * MIN);
      expect(h.summary()).toEqual(['vm-0 source port-scan/horizontal']);
    },
  );

  it('a busy client: answers to its own connections (data, or resets of ones it opened) are solicited', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 400; k++) {
      const server = ipAt('198.51.100.1', k);
      const t = T0 + 20_000 + k * 300;
      h.add({
        t,
        src: VM,
        dst: server,
        srcPort: 40000 + k,
        dstPort: 443,
        flags: SYN | ACK | PSH | FIN,
        packets: 12,
        bytes: 3000,
        srcVm: 0,
      });
      h.add({
        t,
        src: server,
        dst: VM,
        srcPort: 443,
        dstPort: 40000 + k,
        flags: SYN | ACK | PSH | FIN,
        packets: 14,
        bytes: 20000,
        dstVm: 0,
      });
      // then the server resets an idle leftover of the same pair
      h.add({
        t: t + 2000,
        src: server,
        dst: VM,
        srcPort: 443,
        dstPort: 40000 + k,
        flags: RST | ACK,
        packets: 1,
        bytes: 40,
        dstVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });
});
