import { EngineHarness, MIN, T0, ipAt } from './testing/flow-factory';
import type { TestFlow } from './testing/flow-factory';

const VM = '10.1.0.5';
const udp = (f: Omit<TestFlow, 'proto'>): TestFlow => ({ ...f, proto: 17 });

describe('amplification detection', () => {
  it('reflector: small queries in, large answers out (DNS ~20x) -> source', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 1500; k++) {
      h.add(
        udp({
          t: T0 + k * 30,
          src: '203.0.113.99',
          dst: VM,
          srcPort: 1024 + k,
          dstPort: 53,
          packets: 1,
          bytes: 64,
          dstVm: 0,
        }),
      );
      h.add(
        udp({
          t: T0 + k * 30 + 2,
          src: VM,
          dst: '203.0.113.99',
          srcPort: 53,
          dstPort: 1024 + k,
          packets: 1,
          bytes: 1400,
          srcVm: 0,
        }),
      );
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source amplification/reflector']);
    expect(h.of('amplification')[0]).toMatchObject({
      severity: 'high',
      direction: 'outbound',
      ports: [53],
      rule: { name: 'amplification.reflector', threshold: 9 },
    });
  });

  it('an honest resolver answering ~3x its queries is no reflector', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 3000; k++) {
      const c = ipAt('198.51.100.1', k % 700);
      h.add(udp({ t: T0 + k * 20, src: c, dst: VM, srcPort: 2000 + k, dstPort: 53, packets: 1, bytes: 75, dstVm: 0 }));
      h.add(
        udp({
          t: T0 + k * 20 + 2,
          src: VM,
          dst: c,
          srcPort: 53,
          dstPort: 2000 + k,
          packets: 1,
          bytes: k % 20 === 0 ? 1200 : 190,
          srcVm: 0,
        }),
      );
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it('NTP monlist reflector (~1000x)', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 20; k++) {
      h.add(
        udp({
          t: T0 + k * 1000,
          src: '203.0.113.7',
          dst: VM,
          srcPort: 5000 + k,
          dstPort: 123,
          packets: 1,
          bytes: 36,
          dstVm: 0,
        }),
      );
      h.add(
        udp({
          t: T0 + k * 1000 + 300,
          dur: 300,
          src: VM,
          dst: '203.0.113.7',
          srcPort: 123,
          dstPort: 5000 + k,
          packets: 100,
          bytes: 46800,
          srcVm: 0,
        }),
      );
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source amplification/reflector']);
  });

  it.each([
    [600, true],
    [400, false],
  ])('victim: %i large unsolicited answers from 50 reflectors -> %s (500)', (n, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < n; k++)
      h.add(
        udp({
          t: T0 + k * 40,
          src: ipAt('198.51.100.1', k % 50),
          dst: VM,
          srcPort: 53,
          dstPort: 1024 + k,
          packets: 1,
          bytes: 1300,
          dstVm: 0,
        }),
      );
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 target amplification/victim'] : []);
  });

  it.each([
    [30, true],
    [24, false],
  ])(
    'victim, volume unknown (Azure NSG: denied flows carry no counters): answers from %i denied reflectors -> %s (25)',
    (reflectors, fires) => {
      const h = new EngineHarness();
      // One record of one packet and no bytes per denied tuple, as the Azure parser writes them.
      for (let k = 0; k < reflectors * 3; k++)
        h.add(
          udp({
            t: T0 + k * 100,
            src: ipAt('198.51.100.1', k % reflectors),
            dst: VM,
            srcPort: 123,
            dstPort: 27015,
            packets: 1,
            bytes: 0,
            action: 'deny',
            dstVm: 0,
          }),
        );
      h.finish(T0 + 30 * MIN);
      expect(h.summary()).toEqual(fires ? ['vm-0 target amplification/victim'] : []);
      if (fires) expect(h.of('amplification')[0].rule.name).toBe('amplification.victim-denied');
    },
  );

  it('answers to its own lookups that the firewall let through never count as denied reflection', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 200; k++) {
      const server = ipAt('198.51.100.1', k % 100);
      h.add(udp({ t: T0 + k * 500, src: VM, dst: server, srcPort: 40000 + k, dstPort: 53, bytes: 70, srcVm: 0 }));
      h.add(
        udp({
          t: T0 + k * 500 + 5,
          src: server,
          dst: VM,
          srcPort: 53,
          dstPort: 40000 + k,
          bytes: 300,
          action: 'allow',
          dstVm: 0,
        }),
      );
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it("the VM's own lookups, even with large answers, are not reflection", () => {
    const h = new EngineHarness();
    for (let k = 0; k < 5000; k++) {
      h.add(
        udp({
          t: T0 + k * 50,
          src: VM,
          dst: '168.63.129.16',
          srcPort: 30000 + (k % 30000),
          dstPort: 53,
          packets: 1,
          bytes: 75,
          srcVm: 0,
        }),
      );
      h.add(
        udp({
          t: T0 + k * 50 + 3,
          src: '168.63.129.16',
          dst: VM,
          srcPort: 53,
          dstPort: 30000 + (k % 30000),
          packets: 1,
          bytes: 600,
          dstVm: 0,
        }),
      );
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it('spoofed requests: many small queries to many reflectors, no answers -> source', () => {
    const unanswered = new EngineHarness();
    const answered = new EngineHarness();
    for (let k = 0; k < 1500; k++) {
      const r = ipAt('198.51.100.1', k % 60);
      for (const h of [unanswered, answered])
        h.add(
          udp({
            t: T0 + k * 40,
            src: '192.0.2.1',
            dst: r,
            srcPort: 1024 + k,
            dstPort: 53,
            packets: 1,
            bytes: 60,
            srcVm: 0,
          }),
        );
      answered.add(
        udp({
          t: T0 + k * 40 + 5,
          src: r,
          dst: '192.0.2.1',
          srcPort: 53,
          dstPort: 1024 + k,
          packets: 1,
          bytes: 200,
          dstVm: 0,
        }),
      );
    }
    unanswered.finish(T0 + 30 * MIN);
    answered.finish(T0 + 30 * MIN);
    expect(unanswered.summary()).toEqual(['vm-0 source amplification/spoofed-requests']);
    expect(unanswered.of('amplification')[0].severity).toBe('critical');
    expect(answered.summary()).toEqual([]);
  });

  it('VM-to-VM reflection: reflector source and victim target, internal', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 1000; k++) {
      h.add(
        udp({
          t: T0 + k * 30,
          src: '10.1.0.9',
          dst: VM,
          srcPort: 1024 + k,
          dstPort: 53,
          packets: 1,
          bytes: 64,
          srcVm: 1,
          dstVm: 0,
        }),
      );
      h.add(
        udp({
          t: T0 + k * 30 + 2,
          src: VM,
          dst: '10.1.0.9',
          srcPort: 53,
          dstPort: 1024 + k,
          packets: 2,
          bytes: 2900,
          srcVm: 0,
          dstVm: 1,
        }),
      );
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source amplification/reflector', 'vm-1 target amplification/victim']);
    expect(h.findings.every((f) => f.direction === 'internal')).toBe(true);
  });

  it('a volumetric reflection attack is reported as amplification, not also as a flood', () => {
    const h = new EngineHarness();
    for (let s = 0; s < 20; s++)
      for (let x = 0; x < 300; x++)
        h.add(
          udp({
            t: T0 + s * 1000 + 999,
            dur: 999,
            src: ipAt('198.51.100.1', x),
            dst: VM,
            srcPort: 123,
            dstPort: 80,
            packets: 100,
            bytes: 46800,
            dstVm: 0,
          }),
        );
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 target amplification/victim']);
  });
});
