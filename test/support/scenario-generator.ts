/**
 * Seeded, labelled flow traffic for detection tests: every finding kind as source and as target,
 * inbound, outbound and VM-to-VM, inside realistic background traffic, plus hard benign workloads
 * (busy web server, NAT gateway, DNS resolver, mail relay with an exception, backups, monitoring,
 * interactive SSH) and benign loads just below the rules' thresholds. Records come in two styles
 * (NetFlow with TCP flags; cloud flow logs without flags, with ACCEPT/REJECT and 1-minute
 * aggregation) and are delivered in export order, so event time arrives out of order as it does.
 *
 * Rates are realistic, and several attacks sit just above a threshold while several benign loads
 * sit just below one. The generator knows nothing of the engine: it describes traffic, the labels
 * say what a correct detector reports.
 */
import { FlowAction, type FlowBatch } from '@sg/flows';
import type { SuppressionRule, ThreatListSource, VmDirectory, VmIdentity } from '@sg/detection';
import type { FindingDirection, FindingKind, FindingRole } from '@sg/queues/finding-vocabulary';
import { FlowWriter, type End, type Style } from './scenario-generator/flow-writer';
import { Prng } from './scenario-generator/prng';

export type { Addr, End, Style } from './scenario-generator/flow-writer';
export { FlowWriter } from './scenario-generator/flow-writer';
export { Prng } from './scenario-generator/prng';

export interface ScenarioVm extends VmIdentity {
  slot: number;
  name: string;
  ip: number;
  ip6?: readonly [number, number, number, number];
}

/** A VM side that a correct engine reports (non-suppressed) with this kind. */
export interface ScenarioLabel {
  scenario: string;
  vmSlot: number;
  vmId: string;
  role: FindingRole;
  kind: FindingKind;
  direction: FindingDirection;
}

export interface ScenarioInfo {
  name: string;
  style: Style;
  malicious: boolean;
  description: string;
  vmSlots: number[];
}

export interface GeneratedScenarios {
  seed: number;
  startMs: number;
  endMs: number;
  vms: ScenarioVm[];
  directory: VmDirectory;
  labels: ScenarioLabel[];
  /** VMs whose only correct outcome is no non-suppressed finding. */
  benignVmSlots: number[];
  /** Findings that must arrive suppressed (exception rules), never as open findings. */
  expectSuppressed: { vmSlot: number; kind: FindingKind; ruleId: string }[];
  suppressionRules: SuppressionRule[];
  threatLists: ThreatListSource[];
  scenarios: ScenarioInfo[];
  records: number;
  /** Delivers every record in export order through FlowBatches of `batchSize`. */
  replay(consume: (batch: FlowBatch) => void, batchSize?: number): number;
}

export interface ScenarioOptions {
  seed?: number;
  /** Multiplies the number of background VMs (1 = about 40). */
  background?: number;
  startMs?: number;
}

const MIN = 60_000;
const TcpFlagsAck = 0x10;
const SEC = 1_000;

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The threat lists of the scenarios: both file styles, comments and bad lines included. */
const C2_HOST = ip4(185, 220, 101, 47);
const DROP_NET = ip4(45, 137, 21, 0); // /24
const TOR_EXIT = ip4(199, 249, 230, 87);
const POOL_NET = ip4(51, 255, 34, 0); // /24, "mining pool"
const THREAT_LISTS: ThreatListSource[] = [
  {
    category: 'c2',
    text: [
      '# FireHOL-style list: one IP or CIDR a line',
      '# source: scenario generator',
      '185.220.101.47',
      '91.92.240.0/22',
      'not-an-address',
      '',
      '2001:db8:dead::/48',
    ].join('\n'),
  },
  {
    category: 'drop',
    text: [
      '; Spamhaus DROP List 2024/06/03',
      '; Last-Modified: Mon, 03 Jun 2024',
      '45.137.21.0/24 ; SBL474951',
      '103.77.192.0/22 ; SBL459831',
      '300.1.2.0/24 ; SBL0',
    ].join('\n'),
  },
  { category: 'tor', text: ['# tor exits', '199.249.230.87', '185.129.61.1', '185.129.61.2'].join('\n') },
  { category: 'mining', text: ['# pools', '51.255.34.0/24', '94.130.12.27 # pool.example'].join('\n') },
];

/** First octets never drawn: private, shared and special ranges, and those of the threat lists. */
const AVOID = new Set([10, 100, 127, 169, 172, 192, 185, 45, 199, 51, 94, 91, 103, 168, 162, 216]);

function randomPublic(rng: Prng): number {
  for (;;) {
    const a = rng.int(11, 223);
    if (!AVOID.has(a)) return ip4(a, rng.int(0, 255), rng.int(0, 255), rng.int(1, 254));
  }
}

class Gen {
  readonly rng: Prng;
  readonly w: FlowWriter;
  readonly vms: ScenarioVm[] = [];
  readonly labels: ScenarioLabel[] = [];
  readonly benign = new Set<number>();
  readonly scenarios: ScenarioInfo[] = [];
  readonly rules: SuppressionRule[] = [];
  readonly expectSuppressed: GeneratedScenarios['expectSuppressed'] = [];
  readonly T0: number;
  readonly END: number;
  /** Public addresses handed out so far: scenarios never share an external peer by accident. */
  private readonly used = new Set<number>();

  constructor(
    seed: number,
    startMs: number,
    readonly minutes: number,
  ) {
    this.rng = new Prng(seed);
    this.w = new FlowWriter(this.rng.fork('writer'));
    this.T0 = startMs;
    this.END = startMs + minutes * MIN;
  }

  vm(name: string, v6 = false): End & { slot: number } {
    const slot = this.vms.length;
    const ip = (ip4(10, 1, 0, 0) + 10 + slot) >>> 0;
    const vm: ScenarioVm = {
      slot,
      name,
      ip,
      vmId: `vm-${name}`,
      deploymentId: `dep-${name.replace(/-\d+$/, '')}`,
      subscriptionId: `sub-${slot % 7}`,
    };
    if (v6) vm.ip6 = [0x20010db8, 0x01000000, 0, slot + 1];
    this.vms.push(vm);
    return { addr: ip, vm: slot, slot };
  }

  v6(vmEnd: { slot: number }): End {
    const v = this.vms[vmEnd.slot];
    if (!v.ip6) throw new Error('VM has no IPv6 address');
    return { addr: v.ip6, vm: v.slot };
  }

  /** A fresh public IPv4 address, never one handed out before. */
  ext(rng: Prng = this.rng): End {
    for (;;) {
      const ip = randomPublic(rng);
      if (this.used.has(ip)) continue;
      this.used.add(ip);
      return { addr: ip, vm: -1 };
    }
  }

  label(
    scenario: string,
    e: { slot: number } | End,
    role: FindingRole,
    kind: FindingKind,
    direction: FindingDirection,
  ): void {
    const slot = 'slot' in e ? e.slot : e.vm;
    this.labels.push({ scenario, vmSlot: slot, vmId: this.vms[slot].vmId, role, kind, direction });
  }

  info(name: string, style: Style, malicious: boolean, description: string, ...vms: { slot: number }[]): Prng {
    this.scenarios.push({ name, style, malicious, description, vmSlots: vms.map((v) => v.slot) });
    if (!malicious) for (const v of vms) this.benign.add(v.slot);
    return this.rng.fork(name);
  }

  eph(rng: Prng): number {
    return rng.int(32768, 60999);
  }
}

// Shared services every VM talks to.
const RESOLVER: End = { addr: ip4(168, 63, 129, 16), vm: -1 };
const NTP_SERVERS: End[] = [
  ip4(162, 159, 200, 1),
  ip4(162, 159, 200, 123),
  ip4(216, 239, 35, 0),
  ip4(216, 239, 35, 4),
].map((addr) => ({ addr, vm: -1 }));
const SAAS: End[] = [
  ip4(20, 42, 65, 92),
  ip4(13, 107, 42, 14),
  ip4(52, 239, 152, 66),
  ip4(140, 82, 121, 4),
  ip4(151, 101, 1, 69),
  ip4(104, 16, 132, 229),
  ip4(142, 250, 74, 110),
  ip4(35, 186, 224, 25),
].map((addr) => ({ addr, vm: -1 }));
const V6_SERVICE: End = { addr: [0x2a001450, 0x40010800, 0, 0x200e], vm: -1 };
const SCAN_PORTS = [22, 23, 80, 443, 445, 1433, 3306, 3389, 5900, 6379, 8080, 8443, 9200, 2375, 5060, 7547];

/** Ordinary traffic of one VM for the whole run: lookups, updates, NTP, SaaS calls, Internet background scanning. */
function background(
  g: Gen,
  me: End & { slot: number },
  style: Style,
  opts: { inboundScans?: boolean; v6?: boolean } = {},
): void {
  const rng = g.rng.fork(`bg-${me.slot}`);
  const w = g.w;
  for (let t = g.T0 + rng.range(0, 20 * SEC); t < g.END; t += rng.exp(25 * SEC)) {
    w.udp(style, t, me, RESOLVER, g.eph(rng), 53, 1, rng.int(60, 90), 1, rng.int(90, 320));
  }
  for (let t = g.T0 + rng.range(0, 60 * SEC); t < g.END; t += rng.exp(70 * SEC)) {
    w.tcp(style, t, me, rng.pick(SAAS), g.eph(rng), 443, {
      outcome: 'ok',
      cPk: rng.int(8, 30),
      cB: rng.int(1500, 6000),
      sPk: rng.int(8, 40),
      sB: rng.int(3000, 60000),
      dur: rng.range(300, 8000),
    });
  }
  for (let t = g.T0 + rng.range(0, 5 * MIN); t < g.END; t += 8.5 * MIN) {
    for (const s of NTP_SERVERS.slice(0, 2)) w.udp(style, t + rng.range(0, 500), me, s, 123, 123, 1, 76, 1, 76);
  }
  if (opts.v6) {
    const mine = g.v6(me);
    for (let t = g.T0 + rng.range(0, 60 * SEC); t < g.END; t += rng.exp(120 * SEC)) {
      w.tcp(style, t, mine, V6_SERVICE, g.eph(rng), 443, {
        outcome: 'ok',
        cPk: rng.int(8, 20),
        cB: rng.int(1500, 4000),
        sPk: rng.int(8, 30),
        sB: rng.int(3000, 30000),
      });
    }
  }
  if (opts.inboundScans !== false) {
    // Internet background radiation: a probe every ~40 s from scanners that try 1-3 ports each.
    for (let t = g.T0 + rng.range(0, 40 * SEC); t < g.END; t += rng.exp(40 * SEC)) {
      const scanner = g.ext(rng);
      const n = rng.int(1, 3);
      for (let k = 0; k < n; k++) {
        const port = rng.pick(SCAN_PORTS);
        const at = t + k * rng.range(50, 2000);
        if (style === 'cloud') g.w.tcp(style, at, scanner, me, g.eph(rng), port, { outcome: 'deny', cPk: 1 });
        else
          g.w.tcp(style, at, scanner, me, g.eph(rng), port, { outcome: rng.chance(0.6) ? 'rst' : 'noanswer', cPk: 1 });
      }
    }
  }
}

/** Login-sized session: client and server packets of one failed attempt (1-3 passwords). */
function loginSession(
  g: Gen,
  rng: Prng,
  style: Style,
  t: number,
  c: End,
  s: End,
  port: number,
  pk: [number, number],
): void {
  const cPk = rng.int(pk[0], pk[1]);
  g.w.tcp(style, t, c, s, g.eph(rng), port, {
    outcome: 'ok',
    cPk,
    cB: cPk * rng.int(110, 190),
    sPk: cPk - rng.int(1, 4),
    sB: cPk * rng.int(150, 260),
    dur: rng.range(1500, 7000),
  });
}

export function generateScenarios(opts: ScenarioOptions = {}): GeneratedScenarios {
  const seed = opts.seed ?? 20240603;
  const g = new Gen(seed, opts.startMs ?? Date.UTC(2024, 5, 3, 8, 0, 0), 40);
  const w = g.w;
  const T0 = g.T0;
  /** Attack start: somewhere in minutes 4-26, never aligned to a minute. */
  const at = (rng: Prng) => T0 + rng.range(4 * MIN, 26 * MIN);

  // ------------------------------------------------------------------ port scans
  {
    const vm = g.vm('scan-h-out');
    const rng = g.info(
      'scan-h-out',
      'netflow',
      true,
      'compromised VM SYN-scans telnet on 40 public hosts in 4 min; a few answer RST',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 40; k++)
      w.tcp('netflow', t0 + k * 6 * SEC + rng.range(0, 3000), vm, g.ext(rng), 40001, 23, {
        outcome: rng.chance(0.1) ? 'rst' : 'noanswer',
        cPk: 1,
      });
    g.label('scan-h-out', vm, 'source', 'port-scan', 'outbound');
  }
  {
    const vm = g.vm('scan-h-out-near');
    const rng = g.info(
      'scan-h-out-near',
      'cloud',
      true,
      'slow SSH sweep: 30 hosts in 4 min (threshold 25), 10% answer RST',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    for (let k = 0; k < 30; k++)
      w.tcp('cloud', t0 + k * 8 * SEC, vm, g.ext(rng), g.eph(rng), 22, {
        outcome: rng.chance(0.1) ? 'rst' : 'noanswer',
        cPk: 1,
      });
    g.label('scan-h-out-near', vm, 'source', 'port-scan', 'outbound');
  }
  {
    const vm = g.vm('scan-v-out');
    const rng = g.info(
      'scan-v-out',
      'cloud',
      true,
      'VM probes 60 ports of one public host in 2 min; the host drops them',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const victim = g.ext(rng);
    for (let k = 0; k < 60; k++)
      w.tcp('cloud', t0 + k * 2 * SEC, vm, victim, 51515, 1 + rng.int(0, 1023), { outcome: 'noanswer', cPk: 1 });
    g.label('scan-v-out', vm, 'source', 'port-scan', 'outbound');
  }
  {
    const vm = g.vm('scan-v-in');
    const rng = g.info(
      'scan-v-in',
      'cloud',
      true,
      'one public host scans 200 ports of the VM; the NSG rejects all but 22 and 443',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const scanner = g.ext(rng);
    for (let k = 0; k < 200; k++) {
      const port = k === 50 ? 22 : k === 120 ? 443 : 1000 + k;
      w.tcp('cloud', t0 + k * 300, scanner, vm, 61000, port, {
        outcome: port === 22 || port === 443 ? 'halfopen' : 'deny',
        cPk: 1,
      });
    }
    g.label('scan-v-in', vm, 'target', 'port-scan', 'inbound');
  }
  {
    const vm = g.vm('scan-v-in-near');
    const rng = g.info(
      'scan-v-in-near',
      'netflow',
      true,
      'one public host probes 18 ports of the VM in 3 min (threshold 15); closed ports answer RST',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    const scanner = g.ext(rng);
    const ports = [21, 25, 53, 110, 135, 139, 143, 445, 993, 995, 1433, 1723, 3306, 5432, 5900, 6379, 8080, 8443];
    ports.forEach((p, k) => w.tcp('netflow', t0 + k * 10 * SEC, scanner, vm, g.eph(rng), p, { outcome: 'rst' }));
    g.label('scan-v-in-near', vm, 'target', 'port-scan', 'inbound');
  }
  {
    const a = g.vm('scan-int-a');
    const b = g.vm('scan-int-b');
    const rng = g.info('scan-int-vertical', 'netflow', true, 'VM scans 100 ports of another VM (VM-to-VM)', a, b);
    background(g, a, 'netflow');
    background(g, b, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 100; k++)
      w.tcp('netflow', t0 + k * 500, a, b, 45678, 1 + k * 7, { outcome: k % 33 === 0 ? 'halfopen' : 'rst' });
    g.label('scan-int-vertical', a, 'source', 'port-scan', 'internal');
    g.label('scan-int-vertical', b, 'target', 'port-scan', 'internal');
  }
  {
    const a = g.vm('scan-int-h');
    const victims = Array.from({ length: 28 }, (_, k) => g.vm(`smb-host-${k}`));
    const rng = g.info(
      'scan-int-horizontal',
      'cloud',
      true,
      'VM sweeps SMB (445) on 28 other VMs; each victim sees one probe',
      a,
      ...victims,
    );
    background(g, a, 'cloud', { inboundScans: false });
    for (const v of victims) background(g, v, 'cloud', { inboundScans: false });
    const t0 = at(rng);
    victims.forEach((v, k) =>
      w.tcp('cloud', t0 + k * 4 * SEC, a, v, g.eph(rng), 445, { outcome: k % 9 === 0 ? 'rst' : 'noanswer', cPk: 1 }),
    );
    // The victims are in the sweeper's evidence; one probe is no attack on a VM (issue 12, item 5).
    g.label('scan-int-horizontal', a, 'source', 'port-scan', 'internal');
  }

  // ------------------------------------------------------------------ brute force
  {
    const vm = g.vm('bf-in-ssh');
    const rng = g.info(
      'bf-in-ssh',
      'netflow',
      true,
      'SSH password guessing from one host: 8 sessions a minute for 6 min (threshold 30 per 5 min)',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    const attacker = g.ext(rng);
    for (let k = 0; k < 48; k++) loginSession(g, rng, 'netflow', t0 + k * 7.5 * SEC, attacker, vm, 22, [13, 24]);
    g.label('bf-in-ssh', vm, 'target', 'brute-force', 'inbound');
  }
  {
    const vm = g.vm('bf-in-rdp');
    const rng = g.info('bf-in-rdp', 'cloud', true, 'RDP logon failures from one host: 200 sessions in 10 min', vm);
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const attacker = g.ext(rng);
    for (let k = 0; k < 200; k++) loginSession(g, rng, 'cloud', t0 + k * 3 * SEC, attacker, vm, 3389, [7, 9]);
    g.label('bf-in-rdp', vm, 'target', 'brute-force', 'inbound');
  }
  {
    const vm = g.vm('bf-out-ssh', true);
    const rng = g.info(
      'bf-out-ssh',
      'cloud',
      true,
      'compromised VM guesses SSH passwords on 15 hosts, 15 sessions each, in 4 min',
      vm,
    );
    background(g, vm, 'cloud', { v6: true });
    const t0 = at(rng);
    const targets = Array.from({ length: 15 }, () => g.ext(rng));
    for (let k = 0; k < 15 * 15; k++)
      loginSession(g, rng, 'cloud', t0 + k * 1.05 * SEC, vm, targets[k % 15], 22, [11, 16]);
    g.label('bf-out-ssh', vm, 'source', 'brute-force', 'outbound');
  }
  {
    const a = g.vm('bf-int-a');
    const b = g.vm('bf-int-b');
    const rng = g.info('bf-int', 'netflow', true, 'VM brute-forces SSH on another VM: 60 sessions in 6 min', a, b);
    background(g, a, 'netflow');
    background(g, b, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 60; k++) loginSession(g, rng, 'netflow', t0 + k * 6 * SEC, a, b, 22, [12, 20]);
    g.label('bf-int', a, 'source', 'brute-force', 'internal');
    g.label('bf-int', b, 'target', 'brute-force', 'internal');
  }
  {
    const vm = g.vm('bf-in-v6', true);
    const rng = g.info('bf-in-v6', 'netflow', true, 'SSH password guessing over IPv6: 45 sessions in 5 min', vm);
    background(g, vm, 'netflow', { v6: true });
    const t0 = at(rng);
    const attacker: End = { addr: [0x20010db8, 0xbad00000, 0, 7], vm: -1 };
    for (let k = 0; k < 45; k++) loginSession(g, rng, 'netflow', t0 + k * 6.5 * SEC, attacker, g.v6(vm), 22, [12, 22]);
    g.label('bf-in-v6', vm, 'target', 'brute-force', 'inbound');
  }
  {
    const vm = g.vm('bf-in-mysql-dist');
    const rng = g.info(
      'bf-in-mysql-dist',
      'cloud',
      true,
      'distributed MySQL brute force: 25 hosts with 12 sessions each in 5 min',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const bots = Array.from({ length: 25 }, () => g.ext(rng));
    for (let k = 0; k < 25 * 12; k++)
      loginSession(g, rng, 'cloud', t0 + k * 0.8 * SEC + rng.range(0, 500), bots[k % 25], vm, 3306, [5, 9]);
    g.label('bf-in-mysql-dist', vm, 'target', 'brute-force', 'inbound');
  }

  // ------------------------------------------------------------------ floods
  {
    const vm = g.vm('flood-syn-out');
    const rng = g.info(
      'flood-syn-out',
      'cloud',
      true,
      'SYN flood toward one public web server: 400 SYN/s for 30 s, new source port each',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const victim = g.ext(rng);
    for (let k = 0; k < 400 * 30; k++)
      w.tcp('cloud', t0 + k * 2.5, vm, victim, 1024 + (k % 64000), 443, { outcome: 'noanswer', cPk: 1 });
    g.label('flood-syn-out', vm, 'source', 'flood', 'outbound');
  }
  {
    const vm = g.vm('flood-udp-out');
    const rng = g.info(
      'flood-udp-out',
      'netflow',
      true,
      'UDP flood: 1,300 datagrams/s of 1 KB to random ports of one host for 20 s',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    const victim = g.ext(rng);
    for (let k = 0; k < 1300 * 20; k++)
      w.udp('netflow', t0 + k * (1000 / 1300), vm, victim, 10000 + (k % 50000), rng.int(1, 65535), 1, 1028, 0, 0, 1);
    g.label('flood-udp-out', vm, 'source', 'flood', 'outbound');
  }
  {
    const vm = g.vm('flood-icmp-out');
    const rng = g.info(
      'flood-icmp-out',
      'netflow',
      true,
      'ping flood: 900 echo requests/s of 1 KB toward one host for 30 s, unanswered',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    const victim = g.ext(rng);
    for (let s = 0; s < 30; s++) w.ping('netflow', t0 + s * SEC, vm, victim, 900, 1024, false, 999);
    g.label('flood-icmp-out', vm, 'source', 'flood', 'outbound');
  }
  {
    const vm = g.vm('flood-syn-in');
    const rng = g.info(
      'flood-syn-in',
      'netflow',
      true,
      'spoofed SYN flood on the VM: 3,000 SYN/s from random sources for 20 s',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 3000 * 20; k++) {
      const src: End = { addr: randomPublic(rng), vm: -1 };
      w.tcp('netflow', t0 + k / 3, src, vm, rng.int(1024, 65535), 443, { outcome: 'noanswer', cPk: 1 });
    }
    g.label('flood-syn-in', vm, 'target', 'flood', 'inbound');
  }
  {
    const vm = g.vm('flood-udp-in');
    const rng = g.info(
      'flood-udp-in',
      'cloud',
      true,
      'volumetric UDP flood on the VM: 30,000 packets/s from 500 sources for 20 s',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const bots = Array.from({ length: 500 }, () => ({ end: g.ext(rng), port: rng.int(1024, 65535) }));
    for (let s = 0; s < 20; s++)
      for (const b of bots)
        w.udp('cloud', t0 + s * SEC + rng.range(0, 900), b.end, vm, b.port, 27015, 60, 60 * 540, 0, 0, 999);
    g.label('flood-udp-in', vm, 'target', 'flood', 'inbound');
  }
  {
    const a = g.vm('flood-int-a');
    const b = g.vm('flood-int-b');
    const rng = g.info('flood-int', 'netflow', true, 'VM SYN-floods another VM on 8080: 600 SYN/s for 30 s', a, b);
    background(g, a, 'netflow');
    background(g, b, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 600 * 30; k++)
      w.tcp('netflow', t0 + k / 0.6, a, b, 1024 + (k % 60000), 8080, { outcome: 'noanswer', cPk: 1 });
    g.label('flood-int', a, 'source', 'flood', 'internal');
    g.label('flood-int', b, 'target', 'flood', 'internal');
  }

  // ------------------------------------------------------------------ amplification
  {
    const vm = g.vm('amp-refl-dns');
    const rng = g.info(
      'amp-refl-dns',
      'cloud',
      true,
      'open resolver abused: 3,000 spoofed ANY queries in 60 s, ~1.4-3 KB answers to the victim',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const victim = g.ext(rng);
    for (let k = 0; k < 3000; k++)
      w.udp('cloud', t0 + k * 20, victim, vm, rng.int(1024, 65535), 53, 1, 64, rng.int(1, 2), rng.int(1400, 3000));
    // and some honest clients
    for (let k = 0; k < 200; k++)
      w.udp('cloud', T0 + rng.range(0, 40 * MIN), g.ext(rng), vm, g.eph(rng), 53, 1, 70, 1, 160);
    g.label('amp-refl-dns', vm, 'source', 'amplification', 'outbound');
  }
  {
    const vm = g.vm('amp-refl-ntp');
    const rng = g.info(
      'amp-refl-ntp',
      'netflow',
      true,
      'NTP server answers monlist: 200 requests, 100 x 468 B each',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    const victims = [g.ext(rng), g.ext(rng)];
    for (let k = 0; k < 200; k++)
      w.udp('netflow', t0 + k * 250, victims[k % 2], vm, rng.int(1024, 65535), 123, 1, 36, 100, 46800, 200);
    g.label('amp-refl-ntp', vm, 'source', 'amplification', 'outbound');
  }
  {
    const vm = g.vm('amp-victim-dns');
    const rng = g.info(
      'amp-victim-dns',
      'cloud',
      true,
      'DNS reflection on the VM: 8,000 large answers from 120 resolvers in 30 s, rejected by the NSG',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const refl = Array.from({ length: 120 }, () => g.ext(rng));
    for (let k = 0; k < 8000; k++) {
      const pk = 1;
      w.udp(
        'cloud',
        t0 + k * 3.75,
        refl[k % 120],
        vm,
        53,
        rng.int(1024, 65535),
        pk,
        rng.int(1200, 1460),
        0,
        0,
        10,
        FlowAction.DENY,
      );
    }
    g.label('amp-victim-dns', vm, 'target', 'amplification', 'inbound');
  }
  {
    const vm = g.vm('amp-victim-ntp');
    const rng = g.info(
      'amp-victim-ntp',
      'netflow',
      true,
      'NTP monlist reflection on the VM: 60 reflectors x 100 responses of 468 B in 30 s',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 60; k++)
      w.udp('netflow', t0 + rng.range(0, 2000), g.ext(rng), vm, 123, 27015, 100, 46800, 0, 0, 28_000);
    g.label('amp-victim-ntp', vm, 'target', 'amplification', 'inbound');
  }
  {
    const vm = g.vm('amp-spoof-out');
    const rng = g.info(
      'amp-spoof-out',
      'cloud',
      true,
      'VM sends 5,000 small spoofed DNS queries to 300 open resolvers in 2 min; answers go to the victim',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const victim = g.ext(rng);
    const resolvers = Array.from({ length: 300 }, () => g.ext(rng));
    const spoofed: End = { addr: victim.addr, vm: vm.slot };
    for (let k = 0; k < 5000; k++)
      w.udp('cloud', t0 + k * 24, spoofed, resolvers[k % 300], rng.int(1024, 65535), 53, 1, 64);
    g.label('amp-spoof-out', vm, 'source', 'amplification', 'outbound');
  }
  {
    const refl = g.vm('amp-int-reflector');
    const victim = g.vm('amp-int-victim');
    const rng = g.info(
      'amp-int',
      'netflow',
      true,
      'an open resolver VM reflects spoofed queries onto another VM',
      refl,
      victim,
    );
    background(g, refl, 'netflow');
    background(g, victim, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 2500; k++)
      w.udp('netflow', t0 + k * 20, victim, refl, rng.int(1024, 65535), 53, 1, 64, 2, rng.int(2800, 3000), 20);
    g.label('amp-int', refl, 'source', 'amplification', 'internal');
    g.label('amp-int', victim, 'target', 'amplification', 'internal');
  }

  // ------------------------------------------------------------------ spam
  {
    const vm = g.vm('spam-out');
    const rng = g.info(
      'spam-out',
      'netflow',
      true,
      'spam run: SMTP to 120 distinct mail servers in 5 min, 30% refused',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 120; k++) {
      const mx = g.ext(rng);
      w.tcp(
        'netflow',
        t0 + k * 2.5 * SEC,
        vm,
        mx,
        g.eph(rng),
        25,
        rng.chance(0.3)
          ? { outcome: 'rst' }
          : {
              outcome: 'ok',
              cPk: rng.int(15, 40),
              cB: rng.int(4000, 30000),
              sPk: rng.int(12, 25),
              sB: rng.int(1200, 2500),
            },
      );
    }
    g.label('spam-out', vm, 'source', 'spam', 'outbound');
  }
  {
    const vm = g.vm('spam-out-near');
    const rng = g.info(
      'spam-out-near',
      'cloud',
      true,
      'slow spam run: 60 distinct mail servers in 5 min (threshold 50)',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    for (let k = 0; k < 60; k++)
      w.tcp('cloud', t0 + k * 4.8 * SEC, vm, g.ext(rng), g.eph(rng), 25, {
        outcome: 'ok',
        cPk: rng.int(15, 40),
        cB: rng.int(4000, 30000),
        sPk: rng.int(12, 25),
        sB: 1800,
      });
    g.label('spam-out-near', vm, 'source', 'spam', 'outbound');
  }

  // ------------------------------------------------------------------ malicious peers and mining
  {
    const vm = g.vm('c2-beacon');
    g.info('c2-beacon', 'netflow', true, 'implant beacons to a listed C2 address every 30 s over HTTPS', vm);
    background(g, vm, 'netflow');
    const rng = g.rng.fork('c2');
    for (let t = T0 + 10 * MIN; t < T0 + 30 * MIN; t += 30 * SEC + rng.range(-3000, 3000)) {
      w.tcp('netflow', t, vm, { addr: C2_HOST, vm: -1 }, g.eph(rng), 443, {
        outcome: 'ok',
        cPk: 9,
        cB: 1400,
        sPk: 8,
        sB: 2100,
      });
    }
    g.label('c2-beacon', vm, 'source', 'malicious-peer', 'outbound');
  }
  {
    const vm = g.vm('drop-in');
    g.info('drop-in', 'cloud', true, 'hosts in a Spamhaus DROP network use the VM web server (accepted)', vm);
    background(g, vm, 'cloud');
    const rng = g.rng.fork('drop');
    for (let k = 0; k < 20; k++) {
      const src: End = { addr: (DROP_NET + rng.int(1, 254)) >>> 0, vm: -1 };
      w.tcp('cloud', T0 + 12 * MIN + k * 20 * SEC, src, vm, g.eph(rng), 80, {
        outcome: 'ok',
        cPk: 6,
        cB: 900,
        sPk: 6,
        sB: 4000,
      });
    }
    g.label('drop-in', vm, 'target', 'malicious-peer', 'inbound');
  }
  {
    const vm = g.vm('tor-out');
    g.info('tor-out', 'netflow', true, 'VM relays through a Tor exit (listed)', vm);
    background(g, vm, 'netflow');
    const rng = g.rng.fork('tor');
    for (let k = 0; k < 6; k++) {
      w.tcp('netflow', T0 + 15 * MIN + k * MIN, vm, { addr: TOR_EXIT, vm: -1 }, g.eph(rng), 9001, {
        outcome: 'ok',
        cPk: 200,
        cB: 90000,
        sPk: 250,
        sB: 200000,
        dur: 50 * SEC,
      });
    }
    g.label('tor-out', vm, 'source', 'malicious-peer', 'outbound');
  }
  {
    const vm = g.vm('mining-pool');
    g.info('mining-pool', 'netflow', true, 'miner connected to a listed pool over TLS on 443 for 20 min', vm);
    background(g, vm, 'netflow');
    w.tcp('netflow', T0 + 8 * MIN, vm, { addr: (POOL_NET + 17) >>> 0, vm: -1 }, 43210, 443, {
      outcome: 'ok',
      cPk: 1200,
      cB: 170000,
      sPk: 1300,
      sB: 330000,
      dur: 20 * MIN,
    });
    g.label('mining-pool', vm, 'source', 'mining', 'outbound');
  }
  {
    const vm = g.vm('mining-stratum');
    const rng = g.info(
      'mining-stratum',
      'cloud',
      true,
      'miner on stratum port 3333 of an unlisted pool, one connection for 25 min',
      vm,
    );
    background(g, vm, 'cloud');
    const pool = g.ext(rng);
    w.tcp('cloud', T0 + 6 * MIN + rng.range(0, 20000), vm, pool, 40404, 3333, {
      outcome: 'ok',
      cPk: 25 * 40,
      cB: 25 * 40 * 180,
      sPk: 25 * 35,
      sB: 25 * 35 * 260,
      dur: 25 * MIN,
    });
    g.label('mining-stratum', vm, 'source', 'mining', 'outbound');
  }

  // ------------------------------------------------------------------ hard benign workloads
  for (const style of ['netflow', 'cloud'] as const) {
    const vm = g.vm(`web-${style}`);
    const rng = g.info(
      `web-${style}`,
      style,
      false,
      'busy HTTPS server: ~3,000 clients over 40 min, a few aborted handshakes',
      vm,
    );
    background(g, vm, style);
    const clients = Array.from({ length: 3000 }, () => g.ext(rng));
    for (let t = T0 + rng.range(0, SEC); t < g.END; t += rng.exp(400)) {
      // Zipf-like: a few clients come back often.
      const c = clients[Math.floor(clients.length * Math.pow(rng.next(), 2.2))];
      const aborted = rng.chance(0.01);
      w.tcp(
        style,
        t,
        c,
        vm,
        g.eph(rng),
        443,
        aborted
          ? { outcome: 'noanswer', cPk: 1 }
          : {
              outcome: 'ok',
              cPk: rng.int(8, 40),
              cB: rng.int(800, 9000),
              sPk: rng.int(10, 80),
              sB: rng.int(5000, 120000),
              dur: rng.range(100, 30000),
            },
      );
    }
  }
  for (const style of ['netflow', 'cloud'] as const) {
    const vm = g.vm(`nat-${style}`);
    const rng = g.info(
      `nat-${style}`,
      style,
      false,
      'NAT gateway / proxy: HTTPS to ~2,000 sites, 2% unreachable, long-lived idle connections',
      vm,
    );
    background(g, vm, style, { inboundScans: false });
    const sites = Array.from({ length: 2000 }, () => g.ext(rng));
    for (let t = T0 + rng.range(0, SEC); t < g.END; t += rng.exp(300)) {
      const s = sites[Math.floor(sites.length * Math.pow(rng.next(), 1.6))];
      const o = rng.next();
      if (o < 0.01) w.tcp(style, t, vm, s, g.eph(rng), 443, { outcome: 'noanswer', cPk: rng.int(1, 3) });
      else if (o < 0.02) w.tcp(style, t, vm, s, g.eph(rng), 443, { outcome: 'rst' });
      else
        w.tcp(style, t, vm, s, g.eph(rng), 443, {
          outcome: 'ok',
          cPk: rng.int(10, 60),
          cB: rng.int(1500, 20000),
          sPk: rng.int(10, 200),
          sB: rng.int(5000, 400000),
          dur: rng.range(200, 20000),
        });
    }
    // Long-lived idle connections: one or two header-only keep-alive packets a minute.
    for (let k = 0; k < 150; k++) {
      const s = sites[k];
      const cport = g.eph(rng);
      const t0 = T0 + rng.range(0, 5 * MIN);
      w.tcp(style, t0, vm, s, cport, 443, { outcome: 'ok', cPk: 20, cB: 4000, sPk: 20, sB: 9000, dur: 3 * SEC });
      for (let t = t0 + MIN; t < g.END; t += MIN) {
        w.record(style, t, t + 10, vm, s, cport, 443, 6, 1, 52, TcpFlagsAck, FlowAction.ALLOW);
        w.record(style, t + 20, t + 20, s, vm, 443, cport, 6, 1, 52, TcpFlagsAck, FlowAction.ALLOW);
      }
    }
  }
  {
    const vm = g.vm('dns-resolver');
    const rng = g.info(
      'dns-resolver',
      'cloud',
      false,
      'recursive resolver: ~1,000 clients at ~8 queries/s, recursion to ~600 authoritative servers, a few DNSSEC answers',
      vm,
    );
    background(g, vm, 'cloud');
    const clients = Array.from({ length: 1000 }, () => g.ext(rng));
    const auth = Array.from({ length: 600 }, () => g.ext(rng));
    for (let t = T0 + rng.range(0, SEC); t < g.END; t += rng.exp(120)) {
      const c = rng.pick(clients);
      w.udp(
        'cloud',
        t,
        c,
        vm,
        g.eph(rng),
        53,
        1,
        rng.int(60, 95),
        1,
        rng.chance(0.05) ? rng.int(800, 1400) : rng.int(100, 260),
      );
      if (rng.chance(0.3))
        w.udp('cloud', t + 2, vm, rng.pick(auth), g.eph(rng), 53, 1, rng.int(70, 100), 1, rng.int(120, 900));
    }
    for (let t = T0; t < g.END; t += rng.exp(20 * SEC))
      w.tcp('cloud', t, rng.pick(clients), vm, g.eph(rng), 53, { outcome: 'ok', cPk: 5, cB: 400, sPk: 5, sB: 3000 });
  }
  {
    const vm = g.vm('mail-relay');
    const rng = g.info(
      'mail-relay',
      'netflow',
      false,
      'outbound mail relay: SMTP to ~150 mail servers every 5 min; covered by an approved exception',
      vm,
    );
    background(g, vm, 'netflow');
    const mx = Array.from({ length: 400 }, () => g.ext(rng));
    for (let t = T0 + rng.range(0, SEC); t < g.END; t += rng.exp(2 * SEC)) {
      w.tcp('netflow', t, vm, rng.pick(mx), g.eph(rng), 25, {
        outcome: 'ok',
        cPk: rng.int(15, 60),
        cB: rng.int(3000, 80000),
        sPk: rng.int(12, 30),
        sB: rng.int(1000, 3000),
      });
    }
    g.rules.push({
      id: 'exc-mail-relay',
      scope: { vmId: g.vms[vm.slot].vmId },
      kind: 'spam',
      role: 'source',
      ports: [25],
      reason: 'approved outbound relay for the customer newsletter (ticket 4711)',
    });
    g.expectSuppressed.push({ vmSlot: vm.slot, kind: 'spam', ruleId: 'exc-mail-relay' });
  }
  {
    const vm = g.vm('backup');
    const rng = g.info(
      'backup',
      'cloud',
      false,
      'backups: rsync over SSH, 6 uploads of 8-12 MB to two servers, plus an HTTPS object upload',
      vm,
    );
    background(g, vm, 'cloud');
    const servers = [g.ext(rng), g.ext(rng)];
    for (let k = 0; k < 6; k++) {
      const mb = rng.range(8, 12);
      const pk = Math.round((mb * 1e6) / 1448);
      w.tcp('cloud', T0 + 3 * MIN + k * 6 * MIN, vm, servers[k % 2], g.eph(rng), 22, {
        outcome: 'ok',
        cPk: pk,
        cB: mb * 1e6,
        sPk: Math.round(pk / 2),
        sB: pk * 26,
        dur: rng.range(4, 90) * SEC,
      });
    }
    w.tcp('cloud', T0 + 20 * MIN, vm, g.ext(rng), g.eph(rng), 443, {
      outcome: 'ok',
      cPk: 3500,
      cB: 5e6,
      sPk: 1700,
      sB: 90000,
      dur: 3 * SEC,
    });
  }
  {
    const vm = g.vm('monitor');
    const rng = g.info(
      'monitor',
      'netflow',
      false,
      'monitoring: TCP connect checks of 40 hosts on 22/443/5432 and pings every minute; 3 hosts are down',
      vm,
    );
    background(g, vm, 'netflow');
    const hosts = Array.from({ length: 40 }, (_, k) => (k < 20 ? g.ext(rng) : { addr: ip4(10, 1, 200, k), vm: -1 }));
    for (let t = T0 + 30 * SEC; t < g.END; t += MIN) {
      hosts.forEach((h, k) => {
        const down = k % 13 === 5;
        for (const port of [22, 443, 5432]) {
          const tt = t + k * 200 + port;
          if (down) w.tcp('netflow', tt, vm, h, g.eph(rng), port, { outcome: 'noanswer', cPk: 2 });
          else
            w.tcp('netflow', tt, vm, h, g.eph(rng), port, { outcome: 'ok', cPk: 4, cB: 216, sPk: 3, sB: 164, dur: 20 });
        }
        w.ping('netflow', t + k * 200, vm, h, 1, 84, !down, 5);
      });
    }
  }
  {
    const vm = g.vm('ssh-admin');
    const rng = g.info(
      'ssh-admin',
      'cloud',
      false,
      'an admin works over SSH for 25 min and copies a few files with scp',
      vm,
    );
    background(g, vm, 'cloud');
    const admin = g.ext(rng);
    w.tcp('cloud', T0 + 5 * MIN, admin, vm, 52062, 22, {
      outcome: 'ok',
      cPk: 25 * 42,
      cB: 25 * 42 * 90,
      sPk: 25 * 40,
      sB: 25 * 40 * 300,
      dur: 25 * MIN,
    });
    for (let k = 0; k < 4; k++)
      w.tcp('cloud', T0 + 12 * MIN + k * 2 * MIN, admin, vm, g.eph(rng), 22, {
        outcome: 'ok',
        cPk: rng.int(300, 900),
        cB: rng.int(2e5, 2e6),
        sPk: rng.int(200, 500),
        sB: 40000,
        dur: 20 * SEC,
      });
  }

  // ------------------------------------------------------------------ benign loads just below a threshold
  {
    const vm = g.vm('near-h-scan');
    const rng = g.info(
      'near-h-scan',
      'netflow',
      false,
      'service discovery: 20 hosts on 8080 fail in 5 min (threshold 25) among answered ones',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 20; k++)
      w.tcp('netflow', t0 + k * 12 * SEC, vm, g.ext(rng), g.eph(rng), 8080, { outcome: 'noanswer', cPk: 2 });
    for (let k = 0; k < 30; k++)
      w.tcp('netflow', t0 + k * 8 * SEC, vm, g.ext(rng), g.eph(rng), 8080, { outcome: 'ok' });
  }
  {
    const vm = g.vm('near-v-scan');
    const rng = g.info(
      'near-v-scan',
      'cloud',
      false,
      'client tries 12 ports of one host that refuses them (threshold 15)',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const h = g.ext(rng);
    for (let k = 0; k < 12; k++) w.tcp('cloud', t0 + k * 5 * SEC, vm, h, g.eph(rng), 8000 + k, { outcome: 'rst' });
  }
  {
    const vm = g.vm('near-ssh-auto');
    const rng = g.info(
      'near-ssh-auto',
      'cloud',
      false,
      'deployment script: 20 short SSH sessions to one host in 5 min (threshold 30)',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const h = g.ext(rng);
    for (let k = 0; k < 20; k++) loginSession(g, rng, 'cloud', t0 + k * 14 * SEC, vm, h, 22, [20, 45]);
  }
  {
    const vm = g.vm('near-telemetry');
    const rng = g.info(
      'near-telemetry',
      'netflow',
      false,
      'flow exporter: 6,000 NetFlow datagrams/s to one collector, never answered (threshold 10,000 on a fixed port)',
      vm,
    );
    background(g, vm, 'netflow');
    const collector = g.ext(rng);
    for (let t = T0; t < g.END; t += 10 * SEC)
      w.udp('netflow', t, vm, collector, 40500, 2055, 60000, 60000 * 1400, 0, 0, 9999);
  }
  {
    const vm = g.vm('near-syn-retry');
    const rng = g.info(
      'near-syn-retry',
      'cloud',
      false,
      'client pool retries a dead backend: 120 connection attempts/s for 40 s (threshold 200)',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const h = g.ext(rng);
    for (let k = 0; k < 120 * 40; k++)
      w.tcp('cloud', t0 + k * (1000 / 120), vm, h, 1024 + (k % 60000), 5432, { outcome: 'noanswer', cPk: 1 });
  }
  {
    const vm = g.vm('near-mail');
    const rng = g.info(
      'near-mail',
      'netflow',
      false,
      'small company mail server: 35 mail servers in 5 min (threshold 50)',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 35; k++)
      w.tcp('netflow', t0 + k * 8 * SEC, vm, g.ext(rng), g.eph(rng), 25, {
        outcome: 'ok',
        cPk: 20,
        cB: 9000,
        sPk: 15,
        sB: 1500,
      });
  }
  {
    const vm = g.vm('near-ping');
    const rng = g.info(
      'near-ping',
      'netflow',
      false,
      'latency probe: 200 pings/s to one host with replies (threshold 500)',
      vm,
    );
    background(g, vm, 'netflow');
    const h = g.ext(rng);
    for (let t = T0 + 5 * MIN; t < T0 + 15 * MIN; t += SEC) w.ping('netflow', t, vm, h, 200, 84, true, 999);
  }
  {
    const vm = g.vm('near-upload-in');
    const rng = g.info(
      'near-upload-in',
      'netflow',
      false,
      'ingest server: 50 clients upload at 12,000 packets/s in total (host limit 20,000)',
      vm,
    );
    background(g, vm, 'netflow');
    const clients = Array.from({ length: 50 }, () => g.ext(rng));
    for (let s = 0; s < 10 * 60; s += 10) {
      for (const c of clients)
        w.tcp('netflow', T0 + 10 * MIN + s * SEC, c, vm, g.eph(rng), 443, {
          outcome: 'ok',
          cPk: 2400,
          cB: 2400 * 1400,
          sPk: 1200,
          sB: 1200 * 52,
          dur: 9999,
        });
    }
  }
  {
    const vm = g.vm('game-server');
    const rng = g.info('game-server', 'cloud', false, 'UDP game server: 300 players at 30 packets/s each way', vm);
    background(g, vm, 'cloud');
    const players = Array.from({ length: 300 }, () => ({ e: g.ext(rng), p: g.eph(rng) }));
    for (let t = T0 + 2 * MIN; t < T0 + 32 * MIN; t += MIN)
      for (const pl of players) w.udp('cloud', t, pl.e, vm, pl.p, 27015, 1800, 1800 * 90, 1800, 1800 * 160, 59000);
  }
  {
    const vm = g.vm('near-dns-heavy');
    const rng = g.info(
      'near-dns-heavy',
      'netflow',
      false,
      'crawler: 1,000 DNS lookups per 5 min, answers up to ~4x the query',
      vm,
    );
    background(g, vm, 'netflow');
    for (let t = T0; t < g.END; t += rng.exp(300))
      w.udp('netflow', t, vm, RESOLVER, g.eph(rng), 53, 1, rng.int(60, 90), 1, rng.int(100, 380));
  }

  // ------------------------------------------------------------------ plain VMs
  const plain = Math.round(40 * (opts.background ?? 1));
  for (let k = 0; k < plain; k++) {
    const style: Style = k % 2 === 0 ? 'netflow' : 'cloud';
    const vm = g.vm(`plain-${k}`, k % 5 === 0);
    g.info(`plain-${k}`, style, false, 'ordinary VM: lookups, SaaS calls, NTP, Internet background scans', vm);
    background(g, vm, style, { v6: k % 5 === 0 });
  }

  // ------------------------------------------------------------------ later rules and their look-alikes
  // (appended after the plain VMs so that the scenarios above keep their slots and randomness)
  {
    const vm = g.vm('bf-in-ssh-alike');
    const rng = g.info(
      'bf-in-ssh-alike',
      'netflow',
      true,
      'SSH password guessing by a tool: 12 sessions of near-equal size (20-24 packets) back to back in 80 s',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    const attacker = g.ext(rng);
    for (let k = 0; k < 12; k++) loginSession(g, rng, 'netflow', t0 + k * 6.6 * SEC, attacker, vm, 22, [20, 24]);
    g.label('bf-in-ssh-alike', vm, 'target', 'brute-force', 'inbound');
  }
  {
    const vm = g.vm('bf-out-ssh-alt');
    const rng = g.info(
      'bf-out-ssh-alt',
      'cloud',
      true,
      'compromised VM guesses passwords on SSH port 2222 of one host: 14 alike sessions in 90 s',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const target = g.ext(rng);
    for (let k = 0; k < 14; k++) loginSession(g, rng, 'cloud', t0 + k * 6.4 * SEC, vm, target, 2222, [16, 19]);
    g.label('bf-out-ssh-alt', vm, 'source', 'brute-force', 'outbound');
  }
  {
    const vm = g.vm('bf-in-vmware');
    const rng = g.info(
      'bf-in-vmware',
      'netflow',
      true,
      'password guessing against vmware-authd (902): 45 logins of 8-12 packets in 2 min',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    const attacker = g.ext(rng);
    for (let k = 0; k < 45; k++) loginSession(g, rng, 'netflow', t0 + k * 2.6 * SEC, attacker, vm, 902, [8, 12]);
    g.label('bf-in-vmware', vm, 'target', 'brute-force', 'inbound');
  }
  {
    const vm = g.vm('amp-victim-tcp');
    const rng = g.info(
      'amp-victim-tcp',
      'netflow',
      true,
      'TCP SYN-ACK reflection on the VM: 2,000 web servers answer spoofed SYNs with SYN-ACKs (and a few resets) in 10 s',
      vm,
    );
    background(g, vm, 'netflow');
    const t0 = at(rng);
    for (let k = 0; k < 2000; k++) {
      const refl = g.ext(rng);
      const port = rng.int(1024, 65535);
      const t = t0 + k * 5;
      w.record('netflow', t, t + 3000, refl, vm, rng.chance(0.8) ? 80 : 443, port, 6, 2, 88, 0x12, 0);
      if (rng.chance(0.1)) w.record('netflow', t + 4000, t + 4000, refl, vm, 80, port, 6, 1, 40, 0x04, 0);
    }
    g.label('amp-victim-tcp', vm, 'target', 'amplification', 'inbound');
  }
  {
    const vm = g.vm('amp-victim-denied');
    const rng = g.info(
      'amp-victim-denied',
      'cloud',
      true,
      'NTP reflection on the VM seen only as denied tuples without counters (Azure NSG style): 60 reflectors',
      vm,
    );
    background(g, vm, 'cloud');
    const t0 = at(rng);
    const refl = Array.from({ length: 60 }, () => g.ext(rng));
    for (let k = 0; k < 180; k++) {
      const t = t0 + k * 150;
      w.record('cloud', t, t, refl[k % 60], vm, 123, 27015 + (k % 3), 17, 1, 0, -1, FlowAction.DENY);
    }
    g.label('amp-victim-denied', vm, 'target', 'amplification', 'inbound');
  }
  {
    const ctl = g.vm('ansible-control');
    const rng = g.info(
      'ansible-control',
      'netflow',
      false,
      'configuration run without ControlPersist: 6 hosts, 16 tasks each in 4 min, one SSH session per task of varied size',
      ctl,
    );
    background(g, ctl, 'netflow');
    const t0 = at(rng);
    const hosts = Array.from({ length: 6 }, () => g.ext(rng));
    for (let task = 0; task < 16; task++)
      hosts.forEach((h, k) => {
        // Tasks differ: a command (~15-25 packets), a template or copy (30-80), fact gathering (60-120).
        const kind = rng.next();
        const cPk = kind < 0.5 ? rng.int(14, 26) : kind < 0.85 ? rng.int(28, 80) : rng.int(60, 120);
        w.tcp('netflow', t0 + task * 15 * SEC + k * 400, ctl, h, g.eph(rng), 22, {
          outcome: 'ok',
          cPk,
          cB: cPk * rng.int(120, 700),
          sPk: cPk - rng.int(1, 5),
          sB: cPk * rng.int(150, 400),
          dur: rng.range(800, 6000),
        });
      });
  }
  {
    const vm = g.vm('ssh-ha-check');
    const rng = g.info(
      'ssh-ha-check',
      'cloud',
      false,
      'HA pair: a check logs in over SSH to the peer every 15 s with identical sessions (20 per 5 min)',
      vm,
    );
    background(g, vm, 'cloud');
    const peer = g.ext(rng);
    for (let t = T0 + 2 * MIN; t < T0 + 30 * MIN; t += 15 * SEC)
      w.tcp('cloud', t, vm, peer, g.eph(rng), 22, { outcome: 'ok', cPk: 21, cB: 3400, sPk: 18, sB: 3900, dur: 900 });
  }
  {
    const vm = g.vm('http-health');
    const rng = g.info(
      'http-health',
      'netflow',
      false,
      'load balancer probes GET /health on 8080 of the VM every 5 s with identical sessions',
      vm,
    );
    background(g, vm, 'netflow');
    const lb = g.ext(rng);
    for (let t = T0 + MIN; t < T0 + 35 * MIN; t += 5 * SEC)
      w.tcp('netflow', t, lb, vm, g.eph(rng), 8080, { outcome: 'ok', cPk: 6, cB: 420, sPk: 5, sB: 610, dur: 15 });
  }

  // Issue 12: distributed brute force (no source near a per-source rule) and a busy login service.
  for (const [style, port, bots, pk] of [
    ['netflow', 22, 300, [12, 20]],
    ['cloud', 3389, 250, [7, 10]],
  ] as const) {
    const name = `bf-in-distributed-${port}`;
    const vm = g.vm(name);
    const rng = g.info(
      name,
      style,
      true,
      `distributed password guessing on ${port}: ${bots} addresses with 2-4 failed logins each over 20 min`,
      vm,
    );
    background(g, vm, style);
    const t0 = T0 + rng.range(2 * MIN, 8 * MIN);
    for (let a = 0; a < bots; a++) {
      const bot = g.ext(rng);
      const n = rng.int(2, 4);
      for (let k = 0; k < n; k++)
        loginSession(g, rng, style, t0 + rng.range(0, 20 * MIN), bot, vm, port, [pk[0], pk[1]]);
    }
    g.label(name, vm, 'target', 'brute-force', 'inbound');
  }
  for (const [style, port] of [
    ['cloud', 22],
    ['netflow', 3389],
  ] as const) {
    const name = `bastion-busy-${port}`;
    const vm = g.vm(name);
    const rng = g.info(
      name,
      style,
      false,
      `busy bastion on ${port}: 800 users log in 1-3 times over 30 min and work; 15% mistype once first`,
      vm,
    );
    background(g, vm, style);
    for (let u = 0; u < 800; u++) {
      const user = g.ext(rng);
      const n = rng.int(1, 3);
      for (let k = 0; k < n; k++) {
        const t = T0 + rng.range(MIN, 31 * MIN);
        if (rng.chance(0.15)) loginSession(g, rng, style, t - rng.range(3 * SEC, 20 * SEC), user, vm, port, [12, 20]);
        const cPk = rng.int(80, 3000);
        w.tcp(style, t, user, vm, g.eph(rng), port, {
          outcome: 'ok',
          cPk,
          cB: cPk * rng.int(70, 140),
          sPk: cPk + rng.int(0, 200),
          sB: cPk * rng.int(150, 900),
          dur: rng.range(30 * SEC, 20 * MIN),
        });
      }
    }
  }
  // Internal sweeps and a reflector's ordinary peers (issue 12, items 5 and 6): one case on the
  // attacker, none on the VMs it merely touched or talks to as an ordinary client.
  {
    const a = g.vm('sweep-int');
    const neighbours = Array.from({ length: 240 }, (_, k) => g.vm(`sweep-host-${k}`));
    const full = g.vm('sweep-int-vertical');
    const rng = g.info(
      'sweep-int',
      'netflow',
      true,
      'VM sweeps 240 neighbour VMs on 22, 445 and 3389 (one probe each) and scans 60 ports of one more',
      a,
      full,
    );
    g.info('sweep-int-touched', 'netflow', false, 'VMs the sweep touched with one probe per port', ...neighbours);
    background(g, a, 'netflow', { inboundScans: false });
    background(g, full, 'netflow', { inboundScans: false });
    const t0 = at(rng);
    [22, 445, 3389].forEach((port, p) =>
      neighbours.forEach((v, k) =>
        w.tcp('netflow', t0 + (p * 240 + k) * 250, a, v, g.eph(rng), port, {
          outcome: rng.chance(0.1) ? 'rst' : 'noanswer',
          cPk: 1,
        }),
      ),
    );
    for (let k = 0; k < 60; k++)
      w.tcp('netflow', t0 + 20 * SEC + k * 700, a, full, 45678, 1 + k * 11, {
        outcome: k % 20 === 0 ? 'halfopen' : 'rst',
      });
    g.label('sweep-int', a, 'source', 'port-scan', 'internal');
    g.label('sweep-int', full, 'target', 'port-scan', 'internal');
  }
  {
    const refl = g.vm('amp-refl-dbclient');
    const dbs = Array.from({ length: 6 }, (_, k) => g.vm(`amp-refl-db-${k}`));
    const rng = g.info(
      'amp-refl-dbclient',
      'netflow',
      true,
      'an open resolver VM reflects spoofed queries onto an outside address; it is also a PostgreSQL client of 6 VMs',
      refl,
    );
    g.info('amp-refl-db', 'netflow', false, "the reflector's databases: ordinary PostgreSQL sessions", ...dbs);
    background(g, refl, 'netflow');
    for (const d of dbs) background(g, d, 'netflow');
    const victim = g.ext(rng);
    const t0 = at(rng);
    for (let k = 0; k < 2500; k++)
      w.udp('netflow', t0 + k * 20, victim, refl, rng.int(1024, 65535), 53, 1, 64, 2, rng.int(2800, 3000), 20);
    // Pooled connections: a few long, heavy sessions per database a minute (heavier than the reflection).
    for (let t = t0 - 2 * MIN; t < t0 + 4 * MIN; t += 20 * SEC)
      for (const d of dbs)
        w.tcp('netflow', t + rng.range(0, 1500), refl, d, g.eph(rng), 5432, {
          outcome: 'ok',
          cPk: rng.int(2000, 4000),
          cB: rng.int(300_000, 800_000),
          sPk: rng.int(3000, 6000),
          sB: rng.int(2_000_000, 6_000_000),
          dur: rng.range(15_000, 19_000),
        });
    g.label('amp-refl-dbclient', refl, 'source', 'amplification', 'outbound');
  }

  const vms = g.vms;
  const directory: VmDirectory = { describe: (slot) => vms[slot] };
  return {
    seed,
    startMs: g.T0,
    endMs: Math.max(g.END, w.lastExport()),
    vms,
    directory,
    labels: g.labels,
    benignVmSlots: [...g.benign].sort((a, b) => a - b),
    expectSuppressed: g.expectSuppressed,
    suppressionRules: g.rules,
    threatLists: THREAT_LISTS,
    scenarios: g.scenarios,
    records: w.size,
    replay: (consume, batchSize) => w.replay(consume, batchSize),
  };
}
