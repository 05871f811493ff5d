import { ACK, EngineHarness, FIN, MIN, PSH, RST, SYN, T0, ipAt } from './testing/flow-factory';

const VM = '10.1.0.5';

describe('port-scan detection', () => {
  it.each([
    [25, true],
    [24, false],
  ])('horizontal (NetFlow SYN-only): %i hosts on one port in 5 min -> %s (Zeek: 25)', (n, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < n; k++)
      h.add({
        t: T0 + k * 8000,
        src: VM,
        dst: ipAt('203.0.113.1', k),
        srcPort: 40001,
        dstPort: 23,
        flags: SYN,
        srcVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 source port-scan/horizontal'] : []);
  });

  it('horizontal without flags (cloud logs): one header-only packet per host, RST answers are failures', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 26; k++) {
      const dst = ipAt('198.51.100.1', k);
      h.add({
        t: T0 + k * 9000,
        src: VM,
        dst,
        srcPort: 50000 + k,
        dstPort: 22,
        packets: 1,
        bytes: 44,
        action: 'allow',
        srcVm: 0,
      });
      if (k % 3 === 0)
        h.add({
          t: T0 + k * 9000 + 5,
          src: dst,
          dst: VM,
          srcPort: 22,
          dstPort: 50000 + k,
          packets: 1,
          bytes: 40,
          action: 'allow',
          dstVm: 0,
        });
    }
    h.finish(T0 + 30 * MIN);
    const f = h.of('port-scan', 'source');
    expect(f.length).toBeGreaterThan(0);
    expect(f[0].subkind).toBe('horizontal');
    expect(f[0].direction).toBe('outbound');
    expect(f[0].counts.distinctPeers).toBe(26);
    expect(f[0].ports).toEqual([22]);
    expect(f[0].rule).toMatchObject({ name: 'port-scan.horizontal', threshold: 25, observed: 26, window: '5m' });
    expect(f[0].severity).toBe('high');
  });

  it('TRW guard: a proxy whose connections on the port mostly succeed is no scanner', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 30; k++)
      h.add({
        t: T0 + k * 5000,
        src: VM,
        dst: ipAt('203.0.113.1', k),
        srcPort: 41000 + k,
        dstPort: 443,
        flags: SYN,
        srcVm: 0,
      });
    for (let k = 0; k < 60; k++) {
      const dst = ipAt('198.18.0.1', k);
      h.add({
        t: T0 + k * 2500 + 100,
        src: VM,
        dst,
        srcPort: 45000 + k,
        dstPort: 443,
        packets: 12,
        bytes: 3000,
        flags: SYN | ACK | PSH | FIN,
        srcVm: 0,
      });
      h.add({
        t: T0 + k * 2500 + 200,
        src: dst,
        dst: VM,
        srcPort: 443,
        dstPort: 45000 + k,
        packets: 14,
        bytes: 20000,
        flags: SYN | ACK | PSH | FIN,
        dstVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it('a monitor re-checking hosts that went down is not a scan (failures on known hosts, every minute)', () => {
    const h = new EngineHarness();
    const hosts = Array.from({ length: 30 }, (_, k) => ipAt('10.9.0.1', k));
    for (let m = 0; m < 20; m++) {
      hosts.forEach((dst, k) => {
        const t = T0 + m * MIN + k * 100;
        if (m < 6) {
          h.add({
            t,
            src: VM,
            dst,
            srcPort: 30000 + m * 40 + k,
            dstPort: 22,
            packets: 4,
            bytes: 216,
            flags: SYN | ACK | FIN,
            srcVm: 0,
          });
          h.add({
            t: t + 1,
            src: dst,
            dst: VM,
            srcPort: 22,
            dstPort: 30000 + m * 40 + k,
            packets: 3,
            bytes: 164,
            flags: SYN | ACK | FIN,
            dstVm: 0,
          });
        } else
          h.add({
            t,
            src: VM,
            dst,
            srcPort: 30000 + m * 40 + k,
            dstPort: 22,
            packets: 2,
            bytes: 120,
            flags: SYN,
            srcVm: 0,
          });
      });
    }
    h.finish(T0 + 60 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it.each([
    [15, true],
    [14, false],
  ])('vertical inbound (cloud REJECT): %i ports of the VM from one host -> %s (Zeek: 15)', (n, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < n; k++)
      h.add({
        t: T0 + k * 10_000,
        src: '192.0.2.66',
        dst: VM,
        srcPort: 61000,
        dstPort: 1000 + k,
        packets: 1,
        bytes: 40,
        action: 'deny',
        dstVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 target port-scan/vertical'] : []);
    if (fires)
      expect(h.of('port-scan')[0]).toMatchObject({
        direction: 'inbound',
        severity: 'low',
        topPeers: [{ ip: '192.0.2.66' }],
      });
  });

  it('a connect() scan with random source ports: the scanned VM is a target, its RST answers do not make it a source', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 100; k++) {
      const sp = 33000 + k * 37;
      h.add({
        t: T0 + k * 300,
        src: '192.0.2.9',
        dst: VM,
        srcPort: sp,
        dstPort: 1 + k,
        packets: 1,
        bytes: 60,
        dstVm: 0,
      });
      h.add({
        t: T0 + k * 300 + 1,
        src: VM,
        dst: '192.0.2.9',
        srcPort: 1 + k,
        dstPort: sp,
        packets: 1,
        bytes: 40,
        srcVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 target port-scan/vertical']);
  });

  it('open ports answering SYN-ACK count as TRW successes, not failures', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 16; k++) {
      h.add({
        t: T0 + k * 1000,
        src: '192.0.2.7',
        dst: VM,
        srcPort: 61000,
        dstPort: 100 + k,
        flags: SYN | RST,
        packets: 2,
        bytes: 84,
        dstVm: 0,
      });
      if (k < 13)
        h.add({
          t: T0 + k * 1000 + 1,
          src: VM,
          dst: '192.0.2.7',
          srcPort: 100 + k,
          dstPort: 61000,
          flags: SYN | ACK,
          packets: 1,
          bytes: 44,
          srcVm: 0,
        });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it('VM-to-VM vertical scan: the scanner is a source and the scanned VM a target, both internal', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 40; k++) {
      h.add({
        t: T0 + k * 500,
        src: VM,
        dst: '10.1.0.9',
        srcPort: 45678,
        dstPort: 1 + k,
        flags: SYN,
        srcVm: 0,
        dstVm: 1,
      });
      h.add({
        t: T0 + k * 500 + 1,
        src: '10.1.0.9',
        dst: VM,
        srcPort: 1 + k,
        dstPort: 45678,
        flags: RST | ACK,
        packets: 1,
        bytes: 40,
        srcVm: 1,
        dstVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source port-scan/vertical', 'vm-1 target port-scan/vertical']);
    expect(h.findings.every((f) => f.direction === 'internal')).toBe(true);
  });

  it("a horizontal sweep of other VMs is the sweeper's finding only: a probe per VM opens no target finding", () => {
    const h = new EngineHarness();
    for (let k = 0; k < 26; k++)
      h.add({
        t: T0 + k * 3000,
        src: VM,
        dst: ipAt('10.1.1.1', k),
        srcPort: 40000 + k,
        dstPort: 445,
        packets: 1,
        bytes: 44,
        srcVm: 0,
        dstVm: k + 1,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 source port-scan/horizontal']);
    expect(h.of('port-scan', 'source')[0]).toMatchObject({ direction: 'internal', counts: { distinctPeers: 26 } });
  });

  it('ICMP echo sweeps count; answered pings do not', () => {
    const unanswered = new EngineHarness();
    const answered = new EngineHarness();
    for (let k = 0; k < 30; k++) {
      const dst = ipAt('203.0.113.1', k);
      for (const h of [unanswered, answered])
        h.add({
          t: T0 + k * 2000,
          src: VM,
          dst,
          proto: 1,
          srcPort: 0,
          dstPort: 0x0800,
          packets: 1,
          bytes: 84,
          srcVm: 0,
        });
      answered.add({
        t: T0 + k * 2000 + 3,
        src: dst,
        dst: VM,
        proto: 1,
        srcPort: 0,
        dstPort: 0,
        packets: 1,
        bytes: 84,
        dstVm: 0,
      });
    }
    unanswered.finish(T0 + 30 * MIN);
    answered.finish(T0 + 30 * MIN);
    expect(unanswered.summary()).toEqual(['vm-0 source port-scan/horizontal']);
    expect(answered.summary()).toEqual([]);
  });
});
