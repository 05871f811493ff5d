import { ACK, EngineHarness, MIN, SYN, T0, ipAt } from './testing/flow-factory';

const VM = '10.1.0.5';
const VICTIM = '203.0.113.10';

describe('flood detection', () => {
  it.each([
    [250, true],
    [150, false],
  ])('SYN toward one host, one packet per flow (cloud logs): %i/s for 20 s -> %s (limit 200/s)', (pps, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < pps * 20; k++)
      h.add({
        t: T0 + 10_000 + k * (1000 / pps),
        src: VM,
        dst: VICTIM,
        srcPort: 1024 + (k % 60000),
        dstPort: 80,
        packets: 1,
        bytes: 40,
        srcVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 source flood/syn-flood'] : []);
    if (fires)
      expect(h.of('flood')[0]).toMatchObject({
        severity: 'critical',
        direction: 'outbound',
        rule: { name: 'flood.peer-syn', threshold: 200, window: '1m' },
      });
  });

  it('SYN-only to many ports of one host is a scan, not a flood', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 6000; k++)
      h.add({ t: T0 + k * 3, src: VM, dst: VICTIM, srcPort: 50000, dstPort: 1 + (k % 3000), flags: SYN, srcVm: 0 });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source port-scan/vertical']);
  });

  it.each([
    [1200, true],
    [800, false],
  ])('UDP to random ports of one host, unanswered: %i/s -> %s (limit 1,000/s)', (pps, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < pps * 15; k++)
      h.add({
        t: T0 + 5000 + k * (1000 / pps),
        proto: 17,
        src: VM,
        dst: VICTIM,
        srcPort: 10000 + (k % 50000),
        dstPort: 1 + ((k * 7919) % 65000),
        packets: 1,
        bytes: 1028,
        srcVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 source flood/udp-flood'] : []);
  });

  it.each([
    [6000, false, false],
    [12000, false, true],
    [12000, true, false],
  ])(
    'UDP to one port: %i/s, answered=%s -> %s (one-way telemetry and media stay below 10,000/s)',
    (pps, answered, fires) => {
      const h = new EngineHarness();
      for (let s = 0; s < 30; s++) {
        h.add({
          t: T0 + s * 1000 + 999,
          dur: 999,
          proto: 17,
          src: VM,
          dst: VICTIM,
          srcPort: 40500,
          dstPort: 2055,
          packets: pps,
          bytes: pps * 1400,
          srcVm: 0,
        });
        if (answered)
          h.add({
            t: T0 + s * 1000 + 999,
            dur: 999,
            proto: 17,
            src: VICTIM,
            dst: VM,
            srcPort: 2055,
            dstPort: 40500,
            packets: pps / 2,
            bytes: pps * 40,
            dstVm: 0,
          });
      }
      h.finish(T0 + 30 * MIN);
      expect(h.summary()).toEqual(fires ? ['vm-0 source flood/udp-flood'] : []);
    },
  );

  it.each([
    [600, true],
    [400, false],
  ])('ICMP echo toward one host: %i/s -> %s (limit 500/s)', (pps, fires) => {
    const h = new EngineHarness();
    for (let s = 0; s < 20; s++)
      h.add({
        t: T0 + s * 1000 + 999,
        dur: 999,
        proto: 1,
        src: VM,
        dst: VICTIM,
        srcPort: 0,
        dstPort: 0x0800,
        packets: pps,
        bytes: pps * 1024,
        srcVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 source flood/icmp-flood'] : []);
  });

  it.each([
    [25_000, true],
    [15_000, false],
  ])('whole-VM inbound UDP from 200 sources: %i packets/s -> %s (FastNetMon 20,000)', (pps, fires) => {
    const h = new EngineHarness();
    const per = pps / 200;
    for (let s = 0; s < 20; s++)
      for (let x = 0; x < 200; x++)
        h.add({
          t: T0 + s * 1000 + 999,
          dur: 999,
          proto: 17,
          src: ipAt('198.51.100.1', x),
          dst: VM,
          srcPort: 30000 + x,
          dstPort: 27015,
          packets: per,
          bytes: per * 500,
          dstVm: 0,
        });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 target flood/udp-flood'] : []);
    if (fires)
      expect(h.of('flood')[0]).toMatchObject({
        severity: 'high',
        direction: 'inbound',
        rule: { name: 'flood.host-pps' },
      });
  });

  it.each([
    [1500, true],
    [800, false],
  ])('spoofed SYN flood from random sources: %i SYN/s -> %s (half-open limit 1,000/s)', (pps, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < pps * 20; k++)
      h.add({
        t: T0 + 20_000 + k * (1000 / pps),
        src: ipAt('11.0.0.1', k * 7919),
        dst: VM,
        srcPort: 1024 + (k % 60000),
        dstPort: 443,
        flags: SYN,
        packets: 1,
        bytes: 40,
        dstVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 target flood/syn-flood'] : []);
  });

  it('a 20-second burst is measured at its own rate, not diluted by the rest of the minute', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 300; k++)
      h.add({
        t: T0 + k * 200,
        src: '192.0.2.1',
        dst: VM,
        srcPort: 443,
        dstPort: 40000 + k,
        packets: 20,
        bytes: 20000,
        flags: ACK,
        dstVm: 0,
      });
    for (let s = 0; s < 20; s++)
      for (let x = 0; x < 100; x++)
        h.add({
          t: T0 + 30_000 + s * 1000 + 999,
          dur: 999,
          proto: 17,
          src: ipAt('198.51.100.1', x),
          dst: VM,
          srcPort: 30000,
          dstPort: 9999,
          packets: 250,
          bytes: 250 * 600,
          dstVm: 0,
        });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 target flood/udp-flood']);
  });

  it('a busy download with ACKs answered is no flood', () => {
    const h = new EngineHarness();
    for (let s = 0; s < 60; s++) {
      h.add({
        t: T0 + s * 1000 + 999,
        dur: 999,
        src: '198.51.100.9',
        dst: VM,
        srcPort: 443,
        dstPort: 40000,
        packets: 8000,
        bytes: 8000 * 1448,
        flags: ACK,
        dstVm: 0,
      });
      h.add({
        t: T0 + s * 1000 + 999,
        dur: 999,
        src: VM,
        dst: '198.51.100.9',
        srcPort: 40000,
        dstPort: 443,
        packets: 4000,
        bytes: 4000 * 52,
        flags: ACK,
        srcVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it('VM-to-VM SYN flood: source and target, both internal', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 600 * 20; k++)
      h.add({
        t: T0 + 5000 + k / 0.6,
        src: VM,
        dst: '10.1.0.9',
        srcPort: 1024 + (k % 60000),
        dstPort: 8080,
        flags: SYN,
        srcVm: 0,
        dstVm: 1,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source flood/syn-flood', 'vm-1 target flood/syn-flood']);
    expect(h.findings.every((f) => f.direction === 'internal')).toBe(true);
  });
});
