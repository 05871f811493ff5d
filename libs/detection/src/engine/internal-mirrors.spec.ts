import { EngineHarness, MIN, T0, ipAt } from './testing/flow-factory';

/**
 * Findings mirrored onto the other end of VM-to-VM traffic (issue 12, items 5 and 6): a VM gets a
 * target finding only where the traffic against it alone crosses a rule, and only VMs that
 * received the attack traffic itself are named.
 */
const SCANNER = '10.1.0.10';
const neighbour = (k: number) => ipAt('10.1.1.1', k); // VM slot k + 1

describe('internal sweeps and mirrored findings', () => {
  it('a sweep of 300 neighbours on three ports: one source finding with its victims, no target finding on a VM it touched; a full vertical scan still gives its target one', () => {
    const h = new EngineHarness();
    const VERTICAL = 301; // slot of the VM that gets a full vertical scan
    let t = T0;
    for (const port of [22, 445, 3389])
      for (let k = 0; k < 300; k++)
        h.add({
          t: (t += 200),
          src: SCANNER,
          dst: neighbour(k),
          srcPort: 40000 + (k % 2000),
          dstPort: port,
          srcVm: 0,
          dstVm: k + 1,
        });
    for (let p = 0; p < 100; p++)
      h.add({
        t: T0 + p * 500,
        src: SCANNER,
        dst: '10.1.9.9',
        srcPort: 45678,
        dstPort: 1 + p * 7,
        srcVm: 0,
        dstVm: VERTICAL,
      });
    h.finish(T0 + 30 * MIN);

    const s = h.summary();
    expect(s).toEqual([
      'vm-0 source port-scan/horizontal',
      'vm-0 source port-scan/vertical',
      `vm-${VERTICAL} target port-scan/vertical`,
    ]);
    for (let k = 1; k <= 300; k++) expect(h.findings.some((f) => f.vmId === `vm-${k}`)).toBe(false);
    const updates = h.findings.filter((f) => f.role === 'source' && f.subkind === 'horizontal' && f.status !== 'ended');
    const sweep = updates[updates.length - 1];
    expect(sweep).toBeDefined();
    expect(sweep?.direction).toBe('internal');
    expect(sweep?.counts.distinctPeers).toBeGreaterThanOrEqual(300);
    expect(sweep?.topPeers).toHaveLength(10);
    expect(sweep?.rule.description).toMatch(/\b30[01] of them our VMs/);
  });

  /** An open DNS resolver VM answering a spoofed address, and an ordinary PostgreSQL client of six VMs. */
  function reflectorWithDatabases(victim: { ip: string; vm?: number }, h = new EngineHarness()): EngineHarness {
    const REFL = '10.1.0.10';
    for (let k = 0; k < 2500; k++) {
      const t = T0 + k * 20;
      const port = 1024 + (k % 60000);
      h.add({
        t,
        src: victim.ip,
        dst: REFL,
        srcPort: port,
        dstPort: 53,
        proto: 17,
        packets: 1,
        bytes: 64,
        srcVm: victim.vm,
        dstVm: 0,
      });
      h.add({
        t: t + 2,
        src: REFL,
        dst: victim.ip,
        srcPort: 53,
        dstPort: port,
        proto: 17,
        packets: 2,
        bytes: 2900,
        srcVm: 0,
        dstVm: victim.vm,
      });
      if (k % 25 === 0)
        for (let d = 1; d <= 6; d++) {
          const db = ipAt('10.1.2.1', d);
          h.add({
            t: t + 3,
            src: REFL,
            dst: db,
            srcPort: 50000 + d,
            dstPort: 5432,
            packets: 300,
            bytes: 300 * 200,
            srcVm: 0,
            dstVm: d,
          });
          h.add({
            t: t + 4,
            src: db,
            dst: REFL,
            srcPort: 5432,
            dstPort: 50000 + d,
            packets: 300,
            bytes: 300 * 900,
            srcVm: d,
            dstVm: 0,
          });
        }
    }
    return h.finish(T0 + 30 * MIN);
  }

  it("a reflector's database peers are not its victims", () => {
    const h = reflectorWithDatabases({ ip: '198.51.100.7' });
    expect(h.summary()).toEqual(['vm-0 source amplification/reflector']);
    const f = h.of('amplification', 'source')[0];
    expect(f.rule.name).toBe('amplification.reflector');
    expect(f.direction).toBe('outbound');
  });

  it('a VM that received the reflected responses itself still gets its target finding (and only it)', () => {
    const h = reflectorWithDatabases({ ip: '10.1.3.3', vm: 7 });
    expect(h.summary()).toEqual(['vm-0 source amplification/reflector', 'vm-7 target amplification/victim']);
    const v = h.of('amplification', 'target')[0];
    expect(v.direction).toBe('internal');
    expect(v.topPeers.map((p) => p.ip)).toEqual(['10.1.0.10']);
    expect(v.counts.packets).toBeGreaterThan(0);
  });

  it('ordinary VM-to-VM traffic (databases, backups, monitoring) beside a VM attacking outward opens no case on the bystanders', () => {
    const h = new EngineHarness();
    const ME = '10.1.0.10';
    // VM 0 sweeps the Internet on telnet while its backups and monitoring go on as usual (records
    // within the 2-min lateness of each other: the reflection below starts at T0 too).
    for (let k = 0; k < 120; k++)
      h.add({ t: T0 + k * 600, src: ME, dst: ipAt('203.0.113.1', k), srcPort: 41000 + k, dstPort: 23, srcVm: 0 });
    for (let m = 0; m < 2; m++) {
      const t = T0 + m * MIN;
      // Backups: rsync over SSH to the backup VM (slot 8), one long session a minute.
      h.add({
        t: t + 5000,
        dur: 40_000,
        src: ME,
        dst: '10.1.4.8',
        srcPort: 52000 + m,
        dstPort: 22,
        packets: 9000,
        bytes: 9000 * 1400,
        srcVm: 0,
        dstVm: 8,
      });
      h.add({
        t: t + 5001,
        dur: 40_000,
        src: '10.1.4.8',
        dst: ME,
        srcPort: 22,
        dstPort: 52000 + m,
        packets: 3000,
        bytes: 3000 * 60,
        srcVm: 8,
        dstVm: 0,
      });
      // Monitoring (slot 9): connect checks of 22, 443 and 5432 every minute, all answered.
      for (const port of [22, 443, 5432]) {
        h.add({
          t: t + 100,
          src: '10.1.4.9',
          dst: ME,
          srcPort: 33000 + port + m,
          dstPort: port,
          packets: 4,
          bytes: 216,
          srcVm: 9,
          dstVm: 0,
        });
        h.add({
          t: t + 101,
          src: ME,
          dst: '10.1.4.9',
          srcPort: port,
          dstPort: 33000 + port + m,
          packets: 3,
          bytes: 164,
          srcVm: 0,
          dstVm: 9,
        });
      }
    }
    reflectorWithDatabases({ ip: '198.51.100.7' }, h);
    expect(h.summary()).toEqual(['vm-0 source amplification/reflector', 'vm-0 source port-scan/horizontal']);
  });
});
