import { ACK, EngineHarness, FIN, MIN, PSH, SYN, T0, ipAt } from './testing/flow-factory';

const VM = '10.1.0.5';

/** One login attempt: client flow of `pk` packets (SSHCure: 11-51 for SSH) and the server's answer. */
function session(
  h: EngineHarness,
  t: number,
  client: string,
  server: string,
  port: number,
  cport: number,
  pk: number,
  vms: { c?: number; s?: number },
  flags?: number,
) {
  h.add({
    t,
    dur: 4000,
    src: client,
    dst: server,
    srcPort: cport,
    dstPort: port,
    packets: pk,
    bytes: pk * 150,
    flags,
    srcVm: vms.c,
    dstVm: vms.s,
  });
  h.add({
    t: t + 1,
    dur: 4000,
    src: server,
    dst: client,
    srcPort: port,
    dstPort: cport,
    packets: pk - 2,
    bytes: pk * 200,
    flags,
    srcVm: vms.s,
    dstVm: vms.c,
  });
}

describe('brute-force detection', () => {
  it.each([
    [30, true],
    [29, false],
  ])(
    'SSH, one attacker: %i login-sized sessions of varied size in 5 min -> %s (Zeek 30, CrowdSec 1/10 s)',
    (n, fires) => {
      const h = new EngineHarness();
      // Sizes spread over 12-48 packets: the alike-session rule does not apply, the count of 30 does.
      for (let k = 0; k < n; k++)
        session(h, T0 + k * 9000, '192.0.2.50', VM, 22, 40000 + k, 12 + ((k * 13) % 37), { s: 0 });
      h.finish(T0 + 30 * MIN);
      expect(h.summary()).toEqual(fires ? ['vm-0 target brute-force/ssh'] : []);
      if (fires)
        expect(h.of('brute-force')[0]).toMatchObject({
          direction: 'inbound',
          severity: 'medium',
          ports: [22],
          topPeers: [{ ip: '192.0.2.50' }],
        });
    },
  );

  it.each([
    ['11 alike sessions in 70 s (Zeek sshguess)', 11, 6400, () => 22, true],
    ['9 alike sessions in 70 s', 9, 7800, () => 22, false],
    [
      '12 sessions in 70 s of varied size (automation doing work)',
      12,
      5800,
      (k: number) => 12 + ((k * 17) % 39),
      false,
    ],
    ['20 alike sessions, one every 15 s (an HA check: periodic, not a burst)', 20, 15000, () => 22, false],
  ])('SSH alike sessions: %s -> %s', (_name, n, every, size, fires) => {
    const h = new EngineHarness();
    for (let k = 0; k < n; k++)
      session(h, T0 + 20_000 + k * every, '192.0.2.50', VM, 22, 40000 + k, size(k), { s: 0 }, SYN | ACK | PSH | FIN);
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 target brute-force/ssh'] : []);
    if (fires) expect(h.of('brute-force')[0].rule.name).toBe('brute-force.one-to-one-alike');
  });

  it('alike sessions count on the alternate SSH port 2222, never on a plain web port', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 12; k++) {
      session(h, T0 + 20_000 + k * 5000, '192.0.2.50', VM, 2222, 40000 + k, 22, { s: 0 }, SYN | ACK | PSH | FIN);
      // a health checker: identical sessions to one HTTP port every 5 s
      session(h, T0 + 20_000 + k * 5000, '192.0.2.70', VM, 8080, 41000 + k, 22, { s: 0 }, SYN | ACK | PSH | FIN);
    }
    for (let k = 0; k < 60; k++)
      session(h, T0 + 20_000 + k * 5000, '192.0.2.71', VM, 80, 42000 + k, 12, { s: 0 }, SYN | ACK | PSH | FIN);
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 target brute-force/ssh-alt']);
    expect(h.of('brute-force').every((f) => f.topPeers.every((p) => p.ip === '192.0.2.50'))).toBe(true);
  });

  it('vmware-authd (902): 6+ packet logins count, banner grabs (4-5 packets) do not', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 40; k++) session(h, T0 + k * 300, '192.0.2.80', VM, 902, 40000 + k, 5, { s: 0 });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual([]);
    const g = new EngineHarness();
    for (let k = 0; k < 40; k++) session(g, T0 + k * 300, '192.0.2.80', VM, 902, 40000 + k, 11, { s: 0 });
    g.finish(T0 + 30 * MIN);
    expect(g.summary()).toEqual(['vm-0 target brute-force/vmware-authd']);
  });

  it('NetFlow: a session is new when its flow carries SYN (continuation records are not attempts)', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 35; k++)
      session(h, T0 + k * 8000, '192.0.2.50', VM, 22, 40000, 15, { s: 0 }, SYN | ACK | PSH | FIN);
    for (let k = 0; k < 35; k++)
      session(h, T0 + 6 * MIN + k * 8000, '192.0.2.51', VM, 22, 41000 + k, 15, { s: 0 }, ACK | PSH);
    h.finish(T0 + 40 * MIN);
    expect(h.of('brute-force').map((f) => f.topPeers[0].ip)).toEqual(expect.arrayContaining(['192.0.2.50']));
    expect(h.of('brute-force').some((f) => f.topPeers.some((p) => p.ip === '192.0.2.51'))).toBe(false);
  });

  it('RDP logon failures are shorter (NLA, ~8 packets) and count too', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 40; k++) session(h, T0 + k * 6000, '192.0.2.60', VM, 3389, 50000 + k, 8, { s: 0 });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 target brute-force/rdp']);
  });

  it('an interactive session exported every minute and a backup of huge flows are not brute force', () => {
    const h = new EngineHarness();
    for (let m = 0; m < 40; m++)
      h.add({
        t: T0 + m * MIN + 59_000,
        dur: 58_000,
        src: '192.0.2.70',
        dst: VM,
        srcPort: 52062,
        dstPort: 22,
        packets: 40,
        bytes: 4000,
        dstVm: 0,
      });
    for (let k = 0; k < 8; k++)
      h.add({
        t: T0 + k * 3 * MIN,
        dur: 30_000,
        src: VM,
        dst: '198.51.100.5',
        srcPort: 45000 + k,
        dstPort: 22,
        packets: 7000,
        bytes: 10e6,
        srcVm: 0,
      });
    h.finish(T0 + 60 * MIN);
    expect(h.summary()).toEqual([]);
  });

  it.each([
    [10, 10, true],
    [9, 10, false],
    [10, 9, false],
  ])('one-to-many: the VM tries %i hosts x %i sessions -> %s', (hosts, per, fires) => {
    const h = new EngineHarness();
    let k = 0;
    for (let r = 0; r < per; r++)
      for (let x = 0; x < hosts; x++)
        session(h, T0 + k++ * 2000, VM, ipAt('203.0.113.1', x), 22, 30000 + k, 12, { c: 0 });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 source brute-force/ssh'] : []);
    if (fires)
      expect(h.of('brute-force')[0]).toMatchObject({
        direction: 'outbound',
        severity: 'high',
        rule: { name: 'brute-force.one-to-many' },
      });
  });

  it.each([
    [20, true],
    [19, false],
  ])('many-to-one: %i attackers x 10 sessions on MySQL -> %s', (n, fires) => {
    const h = new EngineHarness();
    let k = 0;
    for (let r = 0; r < 10; r++)
      for (let x = 0; x < n; x++)
        session(h, T0 + k++ * 1000, ipAt('198.51.100.10', x), VM, 3306, 20000 + k, 6, { s: 0 });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 target brute-force/mysql'] : []);
  });

  it('VM-to-VM: the attacking VM is a source and the attacked VM a target', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 40; k++) session(h, T0 + k * 6000, '10.1.0.8', VM, 22, 40000 + k, 16, { c: 1, s: 0 });
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(['vm-0 target brute-force/ssh', 'vm-1 source brute-force/ssh']);
    expect(h.findings.every((f) => f.direction === 'internal')).toBe(true);
  });

  it('works over IPv6', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 35; k++)
      session(h, T0 + k * 8000, '2001:db8:bad::7', '2001:db8:100::5', 22, 40000 + k, 14, { s: 0 });
    h.finish(T0 + 30 * MIN);
    expect(h.of('brute-force')[0].topPeers[0].ip).toBe('2001:db8:bad::7');
  });
});
