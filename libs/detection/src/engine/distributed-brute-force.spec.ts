import { DEFAULT_DETECTION_CONFIG } from './detection-config';
import { LOGIN_SERVICE_PORTS, LoginServiceState } from './brute-force.detector';
import { ACK, EngineHarness, FIN, PSH, SYN, T0, MIN, ipAt } from './testing/flow-factory';

/**
 * Distributed brute force (issue 12, item 1): a botnet of a few hundred addresses, each making only
 * 2-4 failed logins against one VM over 20 minutes. No source crosses a per-source rule; the target
 * side's rule over all sources (brute-force.distributed) must, and a busy legitimate service (many
 * users who log in and then work) must not.
 */
const FLAGS = SYN | ACK | PSH | FIN;
const VM_IP = '10.1.0.5';

/** Small seeded generator (mulberry32): the traffic is random but the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Session {
  t: number;
  src: string;
  srcVm?: number;
  port: number;
  clientPort: number;
  packets: number;
  bytes: number;
  backPackets: number;
  backBytes: number;
  flags: boolean;
}

function session(h: EngineHarness, s: Session): void {
  h.add({
    t: s.t,
    dur: 2000,
    src: s.src,
    dst: VM_IP,
    srcPort: s.clientPort,
    dstPort: s.port,
    packets: s.packets,
    bytes: s.bytes,
    flags: s.flags ? FLAGS : undefined,
    srcVm: s.srcVm,
    dstVm: 0,
  });
  h.add({
    t: s.t + 1,
    dur: 2000,
    src: VM_IP,
    dst: s.src,
    srcPort: s.port,
    dstPort: s.clientPort,
    packets: s.backPackets,
    bytes: s.backBytes,
    flags: s.flags ? FLAGS : undefined,
    srcVm: 0,
    dstVm: s.srcVm,
  });
}

/**
 * `sources` addresses spread over the internet (or VMs), each with 2-4 failed logins at random
 * times in `minutes`; one failed login is a flow of `packets` client packets with ~40 B of payload
 * each way beyond the headers.
 */
function botnet(
  h: EngineHarness,
  seed: number,
  sources: number,
  minutes: number,
  port: number,
  packets: number,
  opts: { flags?: boolean; internal?: boolean } = {},
): Session[] {
  const rnd = prng(seed);
  const all: Session[] = [];
  for (let a = 0; a < sources; a++) {
    const src = opts.internal ? ipAt('10.2.0.0', a + 1) : ipAt('23.0.0.0', a * 65_537 + 11);
    const n = 2 + Math.floor(rnd() * 3);
    for (let k = 0; k < n; k++) {
      const pk = packets + Math.floor(rnd() * 4);
      all.push({
        t: T0 + Math.floor(rnd() * minutes * MIN),
        src,
        srcVm: opts.internal ? a + 1 : undefined,
        port,
        clientPort: 32768 + Math.floor(rnd() * 28000),
        packets: pk,
        bytes: 60 + (pk - 1) * 52 + 40 + Math.floor(rnd() * 200),
        backPackets: pk - 1,
        backBytes: 60 + (pk - 2) * 52 + 300,
        flags: opts.flags ?? true,
      });
    }
  }
  return all;
}

/**
 * A busy legitimate service: `users` people or jobs, each logging in 1-3 times in `minutes` and then
 * working (80-3000 client packets, kilobytes to megabytes back); `typos` of them also fail once
 * (a login-sized session before the successful one).
 */
function busyService(
  h: EngineHarness,
  seed: number,
  users: number,
  minutes: number,
  port: number,
  typoShare: number,
): Session[] {
  const rnd = prng(seed);
  const all: Session[] = [];
  for (let a = 0; a < users; a++) {
    const src = ipAt('100.64.0.0', a * 97 + 3);
    const n = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < n; k++) {
      const t = T0 + Math.floor(rnd() * minutes * MIN);
      if (rnd() < typoShare) {
        all.push({
          t: t - 5000,
          src,
          port,
          clientPort: 32768 + Math.floor(rnd() * 28000),
          packets: 16,
          bytes: 60 + 15 * 52 + 80,
          backPackets: 15,
          backBytes: 60 + 14 * 52 + 400,
          flags: true,
        });
      }
      const pk = 80 + Math.floor(rnd() * 3000);
      all.push({
        t,
        src,
        port,
        clientPort: 32768 + Math.floor(rnd() * 28000),
        packets: pk,
        bytes: pk * 90,
        backPackets: pk,
        backBytes: pk * 400,
        flags: true,
      });
    }
  }
  return all;
}

function play(h: EngineHarness, sessions: Session[]): void {
  sessions.sort((a, b) => a.t - b.t);
  for (const s of sessions) session(h, s);
  h.finish(T0 + 60 * MIN);
}

describe('distributed brute force (target side, all sources together)', () => {
  const cfg = DEFAULT_DETECTION_CONFIG.bruteForce;
  const services = cfg.ports.filter((p) => p.distributed);

  it('watches SSH, RDP, VNC, telnet, the databases and SMB; not services whose clients log in briefly from many hosts', () => {
    const names = services.map((s) => s.service);
    for (const s of ['ssh', 'rdp', 'vnc', 'telnet', 'mssql', 'mysql', 'postgresql', 'oracle', 'smb'])
      expect(names).toContain(s);
    for (const s of ['pop3', 'imap', 'submission', 'ldap', 'redis', 'ftp']) expect(names).not.toContain(s);
  });

  it.each(services.map((s) => [s.service, s.port, s.minPackets] as const))(
    '%s (port %i): 300 addresses x 2-4 failed logins over 20 min -> brute-force.distributed on the VM',
    (service, port, minPackets) => {
      const h = new EngineHarness();
      play(h, botnet(h, 1000 + port, 300, 20, port, Math.max(6, minPackets)));
      expect(h.summary()).toEqual([`vm-0 target brute-force/${service}`]);
      const f = h.of('brute-force', 'target');
      expect(f.length).toBeGreaterThan(0);
      for (const x of f) {
        expect(x.rule.name).toBe('brute-force.distributed');
        expect(x.counts.distinctPeers).toBeGreaterThanOrEqual(cfg.distributedSources);
        expect(x.rule.description).toMatch(/^\d+ distinct sources opened \d+ login-sized sessions .*\(\d+(\.\d)?% of its \d+ sessions/);
      }
      // No single source is anywhere near a per-source rule, and none is blamed as an attacker VM.
      expect(h.of('brute-force', 'source')).toEqual([]);
    },
  );

  it('a botnet of 200 addresses without TCP flags (cloud flow logs) -> a finding naming the share of login-sized sessions', () => {
    const h = new EngineHarness();
    play(h, botnet(h, 77, 200, 20, 22, 14, { flags: false }));
    expect(h.summary()).toEqual(['vm-0 target brute-force/ssh']);
    expect(h.of('brute-force')[0].rule.description).toMatch(/\(100% of its/);
  });

  it('from the VMs of the same network (VM to VM): the target gets the case, the 120 guessing VMs get none', () => {
    const h = new EngineHarness();
    play(h, botnet(h, 5, 120, 20, 3389, 8, { internal: true }));
    expect(h.summary()).toEqual(['vm-0 target brute-force/rdp']);
    expect(h.of('brute-force')[0].direction).toBe('internal');
  });

  it('a busy bastion: 1,500 users logging in and working over 20 min (20% with one failed try first) -> no finding', () => {
    const h = new EngineHarness();
    play(h, busyService(h, 9, 1500, 20, 22, 0.2));
    expect(h.summary()).toEqual([]);
    // The same traffic crosses the source and session counts: the login-sized share keeps it out.
    const loose = new EngineHarness({ bruteForce: { ...cfg, distributedShortShare: 0 } });
    play(loose, busyService(loose, 9, 1500, 20, 22, 0.2));
    expect(loose.summary()).toEqual(['vm-0 target brute-force/ssh']);
  });

  it('a busy remote-desktop host: 1,000 users, a third mistype once -> no finding', () => {
    const h = new EngineHarness();
    play(h, busyService(h, 10, 1000, 20, 3389, 0.33));
    expect(h.summary()).toEqual([]);
  });

  it('300 mail clients polling POP3 every 4-6 min (short successful sessions) -> no finding', () => {
    const h = new EngineHarness();
    const rnd = prng(14);
    const all: Session[] = [];
    for (let a = 0; a < 300; a++) {
      const src = ipAt('100.64.0.0', a * 131 + 7);
      const every = (4 + rnd() * 2) * MIN;
      for (let t = T0 + rnd() * every; t < T0 + 20 * MIN; t += every) {
        all.push({
          t: Math.floor(t),
          src,
          port: 110,
          clientPort: 32768 + Math.floor(rnd() * 28000),
          packets: 8,
          bytes: 60 + 7 * 52 + 40,
          backPackets: 7,
          backBytes: 60 + 6 * 52 + 120,
          flags: true,
        });
      }
    }
    play(h, all);
    expect(h.summary()).toEqual([]);
  });

  it('a botnet hidden in a busy service is still found when its guesses are most of the sessions', () => {
    const h = new EngineHarness();
    play(h, [...busyService(h, 11, 40, 20, 22, 0), ...botnet(h, 12, 300, 20, 22, 14)]);
    expect(h.summary()).toEqual(['vm-0 target brute-force/ssh']);
  });

  it('too few sources (30 addresses x 4 tries over 20 min) stay under the rule', () => {
    const h = new EngineHarness();
    play(h, botnet(h, 13, 30, 20, 22, 14));
    expect(h.summary()).toEqual([]);
  });
});

describe('LoginServiceState memory', () => {
  it('stays bounded whatever the number of sources and ports', () => {
    const slots = 8;
    const p = DEFAULT_DETECTION_CONFIG.limits.hllPrecision;
    const ls = new LoginServiceState(slots, 64, p);
    for (let k = 0; k < 200_000; k++) ls.session(1000 + (k % 10), Math.floor(k / 10_000), true, k * 2654435761, 14);
    expect(ls.entries).toBeLessThanOrEqual(LOGIN_SERVICE_PORTS * slots * (1 << p));
    expect(ls.dropped).toBe(200_000 * 0.4);
    // The distinct count of one port over its live buckets is an estimate within a few percent.
    const last = Math.floor(199_999 / 10_000);
    const n = ls.sources[0]?.count(last - slots + 1, last) ?? 0;
    expect(Math.abs(n - slots * 1000) / (slots * 1000)).toBeLessThan(0.05);
    // Per-port counts stay apart as ports are added (the counts grow by one port's part each time).
    for (let q = 0; q < LOGIN_SERVICE_PORTS; q++) {
      expect(ls.ports[q]).toBe(1000 + q);
      expect(ls.sums(q, last - slots + 1, last)).toEqual({ short: slots * 1000, long: 0, packets: slots * 14_000 });
    }
  });
});
