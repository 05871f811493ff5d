import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowBatch, NetflowCollector, toFlowRecord, UdpListener, type FlowRecord } from '@sg/flows';
import { type PcapPacket, PcapWriter } from '../support/pcap-writer';

/**
 * A real exporter end to end: softflowd reads a pcap this test writes, exports NetFlow v5, v9 and
 * IPFIX to a UdpListener + NetflowCollector, and the decoded records must match the pcap's flows
 * (one record per direction), packet for packet and byte for byte.
 */

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

interface Direction {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  packets: number;
  bytes: number;
  tcpFlags: number;
  firstMs: number;
  lastMs: number;
  v6: boolean;
}

/** Writes the pcap and returns what each flow direction must look like once exported. */
function writeTraffic(path: string): Direction[] {
  const pcap = new PcapWriter();
  const dirs = new Map<string, Direction>();
  const add = (p: PcapPacket): void => {
    const bytes = pcap.add(p);
    const key = `${p.src}|${p.srcPort}|${p.dst}|${p.dstPort}|${p.proto}`;
    const d = dirs.get(key) ?? {
      src: p.src,
      dst: p.dst,
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      protocol: p.proto,
      packets: 0,
      bytes: 0,
      tcpFlags: 0,
      firstMs: p.tsMs,
      lastMs: p.tsMs,
      v6: p.src.includes(':'),
    };
    d.packets++;
    d.bytes += bytes;
    d.tcpFlags |= p.proto === 6 ? (p.tcpFlags ?? ACK) : 0;
    d.lastMs = p.tsMs;
    dirs.set(key, d);
  };
  const tcpSession = (
    client: string,
    server: string,
    cport: number,
    sport: number,
    at: number,
    exchanges: number[],
  ): void => {
    const c2s = { src: client, dst: server, proto: 6 as const, srcPort: cport, dstPort: sport };
    const s2c = { src: server, dst: client, proto: 6 as const, srcPort: sport, dstPort: cport };
    let t = at;
    add({ ...c2s, tsMs: t, tcpFlags: SYN });
    add({ ...s2c, tsMs: (t += 12), tcpFlags: SYN | ACK });
    add({ ...c2s, tsMs: (t += 11), tcpFlags: ACK });
    for (const [k, size] of exchanges.entries()) {
      add({ ...(k % 2 ? s2c : c2s), tsMs: (t += 37), tcpFlags: PSH | ACK, payload: size });
    }
    add({ ...c2s, tsMs: (t += 40), tcpFlags: FIN | ACK });
    add({ ...s2c, tsMs: (t += 9), tcpFlags: FIN | ACK });
    add({ ...c2s, tsMs: (t += 8), tcpFlags: ACK });
  };
  // IPv4: an HTTPS session, DNS over UDP, and a SYN probe nobody answers.
  tcpSession('10.0.0.20', '203.0.113.10', 40001, 443, T0, [517, 1460, 126, 1460, 1460, 74]);
  add({ tsMs: T0 + 100, src: '10.0.0.22', dst: '198.51.100.53', proto: 17, srcPort: 53000, dstPort: 53, payload: 33 });
  add({ tsMs: T0 + 130, src: '198.51.100.53', dst: '10.0.0.22', proto: 17, srcPort: 53, dstPort: 53000, payload: 211 });
  add({ tsMs: T0 + 1100, src: '10.0.0.22', dst: '198.51.100.53', proto: 17, srcPort: 53000, dstPort: 53, payload: 41 });
  add({
    tsMs: T0 + 1121,
    src: '198.51.100.53',
    dst: '10.0.0.22',
    proto: 17,
    srcPort: 53,
    dstPort: 53000,
    payload: 1232,
  });
  add({ tsMs: T0 + 2000, src: '10.0.0.4', dst: '192.0.2.77', proto: 6, srcPort: 50000, dstPort: 22, tcpFlags: SYN });
  // IPv6: an HTTP session and NTP.
  tcpSession('2001:db8::10', '2001:db8:1::20', 41000, 80, T0 + 500, [300, 4000, 20]);
  add({
    tsMs: T0 + 3000,
    src: '2001:db8::11',
    dst: '2001:db8:1::21',
    proto: 17,
    srcPort: 123,
    dstPort: 123,
    payload: 48,
  });
  add({
    tsMs: T0 + 3004,
    src: '2001:db8:1::21',
    dst: '2001:db8::11',
    proto: 17,
    srcPort: 123,
    dstPort: 123,
    payload: 48,
  });
  pcap.writeFile(path);
  // softflowd keeps one start and end per two-way flow and puts them on both directions' records.
  for (const d of dirs.values()) {
    const back = dirs.get(`${d.dst}|${d.dstPort}|${d.src}|${d.srcPort}|${d.protocol}`);
    if (back) {
      d.firstMs = Math.min(d.firstMs, back.firstMs);
      d.lastMs = Math.max(d.lastMs, back.lastMs);
    }
  }
  return [...dirs.values()];
}

interface Run {
  records: FlowRecord[];
  collector: NetflowCollector;
  softflowdOutput: string;
}

async function exportWithSoftflowd(pcapPath: string, dir: string, args: string[], expected: number): Promise<Run> {
  const records: FlowRecord[] = [];
  const batch = new FlowBatch(256, (b) => {
    for (let i = 0; i < b.length; i++) records.push(toFlowRecord(b, i));
  });
  const collector = new NetflowCollector(batch);
  const listener = new UdpListener({
    port: 0,
    host: '127.0.0.1',
    recvBufferSize: 8 * 1024 * 1024,
    stats: collector.stats,
    onMessage: (msg, exporter) => collector.handle(msg, exporter),
    onTick: () => collector.tick(),
    tickMs: 20,
  });
  await listener.start();
  try {
    const pidFile = join(dir, `softflowd-${args.join('')}.pid`);
    // -a: flow times from the pcap; never -c with -r (softflowd 1.1.0 then hangs at EOF).
    const child = spawn('softflowd', [
      '-a',
      '-r',
      pcapPath,
      '-n',
      `127.0.0.1:${listener.port}`,
      '-p',
      pidFile,
      '-v',
      ...args,
    ]);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`softflowd exited with ${code}:\n${output}`);
    // The export is one burst at EOF; wait for it, then a little longer to catch any extras.
    const deadline = Date.now() + 10_000;
    while (records.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 250));
    collector.flush();
    return { records, collector, softflowdOutput: output };
  } finally {
    await listener.stop();
  }
}

const haveSoftflowd = spawnSync('softflowd', ['-h']).error === undefined;

describe('softflowd -> UdpListener -> NetflowCollector', () => {
  let dir: string;
  let pcapPath: string;
  let directions: Direction[];

  beforeAll(() => {
    if (!haveSoftflowd) {
      throw new Error('softflowd is not installed: apt-get install -y --no-install-recommends softflowd');
    }
    dir = mkdtempSync(join(tmpdir(), 'sg-softflowd-'));
    pcapPath = join(dir, 'flows.pcap');
    directions = writeTraffic(pcapPath);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: { name: string; args: string[]; source: string; v6: boolean; timeToleranceMs: number }[] = [
    { name: 'NetFlow v5', args: ['5'], source: 'netflow-v5', v6: false, timeToleranceMs: 1 },
    { name: 'NetFlow v9 (-A milli)', args: ['9', '-A', 'milli'], source: 'netflow-v9', v6: true, timeToleranceMs: 1 },
    { name: 'IPFIX (-A milli)', args: ['10', '-A', 'milli'], source: 'ipfix', v6: true, timeToleranceMs: 1 },
    // Without -A: IPFIX uptimes count from systemInitTimeMilliseconds in softflowd's options data;
    // v9 uptimes from the header, whose export time has whole seconds only.
    { name: 'IPFIX (sysUpTime)', args: ['10'], source: 'ipfix', v6: true, timeToleranceMs: 1 },
    { name: 'NetFlow v9 (sysUpTime)', args: ['9'], source: 'netflow-v9', v6: true, timeToleranceMs: 1000 },
  ];

  it.each(cases)('$name: one record per flow direction with the pcap packets and bytes', async (c) => {
    const want = directions.filter((d) => c.v6 || !d.v6);
    const run = await exportWithSoftflowd(pcapPath, dir, c.args, want.length);
    const got = run.records;

    expect(got.map((r) => `${r.src}:${r.srcPort}>${r.dst}:${r.dstPort}/${r.protocol}`).sort()).toEqual(
      want.map((d) => `${d.src}:${d.srcPort}>${d.dst}:${d.dstPort}/${d.protocol}`).sort(),
    );
    for (const d of want) {
      const r = got.find(
        (x) => x.src === d.src && x.dst === d.dst && x.srcPort === d.srcPort && x.dstPort === d.dstPort,
      );
      expect(r).toMatchObject({
        protocol: d.protocol,
        packets: d.packets,
        bytes: d.bytes,
        sampling: 1,
        source: c.source,
        exporter: '127.0.0.1',
        tcpFlags: d.protocol === 6 ? d.tcpFlags : null,
      });
      expect(Math.abs(Date.parse(r!.start) - d.firstMs)).toBeLessThanOrEqual(c.timeToleranceMs);
      expect(Math.abs(Date.parse(r!.end) - d.lastMs)).toBeLessThanOrEqual(c.timeToleranceMs);
    }
    expect(run.collector.stats.rejectedTotal()).toBe(0);
    expect(run.collector.exporterCounters()).toMatchObject([
      { exporter: '127.0.0.1', received: want.length, lost: 0, resets: 0 },
    ]);
  });

  it.each([
    { args: ['5'], unit: 'records' },
    { args: ['9', '-A', 'milli'], unit: 'datagrams' },
    { args: ['10', '-A', 'milli'], unit: 'records-inclusive' },
  ])('a burst of 3,000 two-way flows (-v $args.0) arrives whole, and sequence numbers show no loss', async (c) => {
    const burst = join(dir, 'burst.pcap');
    const pcap = new PcapWriter();
    for (let k = 0; k < 3000; k++) {
      const client = `10.0.${k >> 8}.${k & 255}`;
      pcap.add({
        tsMs: T0 + k,
        src: client,
        dst: '198.51.100.1',
        proto: 17,
        srcPort: 10000 + k,
        dstPort: 53,
        payload: 40,
      });
      pcap.add({
        tsMs: T0 + k + 1,
        src: '198.51.100.1',
        dst: client,
        proto: 17,
        srcPort: 53,
        dstPort: 10000 + k,
        payload: 200,
      });
    }
    pcap.writeFile(burst);
    const run = await exportWithSoftflowd(burst, dir, c.args, 6000);
    expect(run.records).toHaveLength(6000);
    expect(run.records.reduce((a, r) => a + r.packets, 0)).toBe(6000);
    expect(run.records.reduce((a, r) => a + r.bytes, 0)).toBe(3000 * (28 + 40) + 3000 * (28 + 200));
    expect(run.collector.streamCounters()).toMatchObject([
      { received: 6000, lost: 0, resets: 0, sequenceUnit: c.unit },
    ]);
  });

  it('v5 carries no IPv6: softflowd leaves those flows out', async () => {
    const run = await exportWithSoftflowd(pcapPath, dir, ['5'], directions.filter((d) => !d.v6).length);
    expect(run.records.some((r) => r.src.includes(':'))).toBe(false);
  });
});
