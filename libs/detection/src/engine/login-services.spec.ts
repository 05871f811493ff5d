import { DEFAULT_DETECTION_CONFIG } from './detection-config';
import { ACK, EngineHarness, FIN, PSH, SYN, T0, MIN } from './testing/flow-factory';

/**
 * Every listed login service, in each direction, with flows shaped as a real guess is on the wire:
 * client packets at the service's lower bound (at least 6, as an FTP USER/PASS/QUIT exchange) whose
 * bytes are the IPv4+TCP headers (60 B SYN, 52 B each other packet with timestamps) plus ~25 B of
 * credentials. Such a line-protocol flow averages under 64 B a packet; detection once took it for a
 * header-only flow and saw no login attempt at all (issue 12: an FTP brute force between two VMs,
 * ~700 short connections in under a minute, opened no case).
 */
const SERVICES = DEFAULT_DETECTION_CONFIG.bruteForce.ports;
const FLAGS = SYN | ACK | PSH | FIN;

type Dir = 'inbound' | 'outbound' | 'vm-to-vm';

function guesses(h: EngineHarness, dir: Dir, port: number, minPackets: number, n: number, every: number): void {
  const client = dir === 'inbound' ? '192.0.2.50' : '10.1.0.7';
  const server = dir === 'outbound' ? '198.51.100.9' : '10.1.0.5';
  const cVm = dir === 'inbound' ? undefined : 1;
  const sVm = dir === 'outbound' ? undefined : 0;
  const pk = Math.max(6, minPackets);
  for (let k = 0; k < n; k++) {
    const t = T0 + k * every;
    h.add({
      t,
      dur: 400,
      src: client,
      dst: server,
      srcPort: 30000 + k,
      dstPort: port,
      packets: pk,
      bytes: 60 + (pk - 1) * 52 + 25,
      flags: FLAGS,
      srcVm: cVm,
      dstVm: sVm,
    });
    h.add({
      t: t + 1,
      dur: 400,
      src: server,
      dst: client,
      srcPort: port,
      dstPort: 30000 + k,
      packets: pk - 1,
      bytes: 60 + (pk - 2) * 52 + 90,
      flags: FLAGS,
      srcVm: sVm,
      dstVm: cVm,
    });
  }
}

const EXPECTED: Record<Dir, (service: string) => string[]> = {
  inbound: (s) => [`vm-0 target brute-force/${s}`],
  outbound: (s) => [`vm-1 source brute-force/${s}`],
  'vm-to-vm': (s) => [`vm-0 target brute-force/${s}`, `vm-1 source brute-force/${s}`],
};

describe('every listed login service is watched for brute force', () => {
  it('lists the services issue 12 names (RDP, FTP, telnet, SMB, the databases, mail submission, VNC, SSH)', () => {
    const names = SERVICES.map((s) => s.service);
    for (const s of [
      'ssh',
      'rdp',
      'ftp',
      'telnet',
      'smb',
      'mssql',
      'mysql',
      'postgresql',
      'oracle',
      'submission',
      'vnc',
    ])
      expect(names).toContain(s);
  });

  const cases = SERVICES.flatMap((s) =>
    (['inbound', 'outbound', 'vm-to-vm'] as const).map((dir) => [s.service, s.port, s.minPackets, dir] as const),
  );

  it.each(cases)(
    '%s (port %i, >= %i client packets) %s: 40 guesses in 5 min -> a finding',
    (service, port, minPackets, dir) => {
      const h = new EngineHarness();
      guesses(h, dir, port, minPackets, 40, 7000);
      h.finish(T0 + 30 * MIN);
      expect(h.summary()).toEqual(EXPECTED[dir](service));
    },
  );

  it('the FTP attack of issue 12: ~700 short connections between two VMs in under a minute', () => {
    const h = new EngineHarness();
    guesses(h, 'vm-to-vm', 21, 4, 700, 78);
    h.finish(T0 + 30 * MIN);
    expect(h.summary()).toEqual(EXPECTED['vm-to-vm']('ftp'));
  });

  it('connections that carry no data (a banner grab: SYN, ACK, FIN, ACK) are no login attempts', () => {
    const h = new EngineHarness();
    for (let k = 0; k < 60; k++) {
      const t = T0 + k * 4000;
      h.add({
        t,
        dur: 200,
        src: '192.0.2.50',
        dst: '10.1.0.5',
        srcPort: 30000 + k,
        dstPort: 21,
        packets: 4,
        bytes: 60 + 3 * 52,
        flags: SYN | ACK | FIN,
        dstVm: 0,
      });
      h.add({
        t: t + 1,
        dur: 200,
        src: '10.1.0.5',
        dst: '192.0.2.50',
        srcPort: 21,
        dstPort: 30000 + k,
        packets: 4,
        bytes: 60 + 3 * 52 + 40,
        flags: FLAGS,
        srcVm: 0,
      });
    }
    h.finish(T0 + 30 * MIN);
    expect(h.summary().filter((s) => s.includes('brute-force'))).toEqual([]);
  });
});
