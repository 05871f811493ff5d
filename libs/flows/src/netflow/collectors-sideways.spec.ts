import { createSocket, type Socket } from 'node:dgram';
import { UdpListener } from '../udp-listener';
import { type FieldSpec, type FieldValue, TemplatedPacketBuilder } from './netflow-packet.builder';
import { netflowHarness, type NetflowHarness } from './netflow-test-harness';

/**
 * Collectors side by side on one host, each on a port of its own (real UDP sockets, one
 * NetflowCollector each, as two processes have): every collector learns the NetFlow v9 templates of
 * the exporters that send to it and decodes their data, although both exporters use the same
 * source id and template id with different layouts. An exporter moved to the other collector
 * costs the data sent before its next template refresh: held (waiting_for_template), decoded when
 * the template comes, counted as `template-missing-expired` when it does not come in time.
 */
const SECS = Math.floor(Date.UTC(2026, 0, 5, 12, 0, 0) / 1000);
const UPTIME = 100_000;
const SOURCE_ID = 7;
const TEMPLATE = 256;

// Exporter A: IPv4 5-tuple first, 4-byte counters.
const A_LAYOUT: FieldSpec[] = [
  [8, 4],
  [12, 4],
  [7, 2],
  [11, 2],
  [4, 1],
  [2, 4],
  [1, 4],
  [22, 4],
  [21, 4],
];
const aRow = (src: string, dst: string, dport: number, bytes: number): FieldValue[] => [
  src,
  dst,
  40000,
  dport,
  6,
  3,
  bytes,
  UPTIME - 5000,
  UPTIME - 1000,
];
// Exporter B: counters first and 8 bytes wide, then the addresses and ports in another order.
const B_LAYOUT: FieldSpec[] = [
  [1, 8],
  [2, 8],
  [22, 4],
  [21, 4],
  [4, 1],
  [12, 4],
  [8, 4],
  [11, 2],
  [7, 2],
];
const bRow = (src: string, dst: string, dport: number, bytes: number): FieldValue[] => [
  bytes,
  2,
  UPTIME - 4000,
  UPTIME - 2000,
  17,
  dst,
  src,
  dport,
  53000,
];

function v9(layout: FieldSpec[], rows: FieldValue[][] | null, withTemplate: boolean, sequence: number): Buffer {
  const b = new TemplatedPacketBuilder(9, new Map([[TEMPLATE, layout]]));
  if (withTemplate) b.template(TEMPLATE, layout);
  if (rows) b.data(TEMPLATE, rows);
  return b.build({ sysUptime: UPTIME, exportSecs: SECS, sequence, domain: SOURCE_ID });
}

/** An exporter: a socket on its own address and a fixed source port, as routers send. */
async function exporter(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, address, resolve));
  return s;
}

const send = (s: Socket, buf: Buffer, port: number) =>
  new Promise<void>((resolve, reject) => s.send(buf, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('two collectors on one host, one port each (NetFlow v9 templates per collector)', () => {
  let c1: { h: NetflowHarness; l: UdpListener };
  let c2: { h: NetflowHarness; l: UdpListener };
  let a: Socket;
  let b: Socket;

  const collector = async () => {
    const h = netflowHarness({ pendingTtlMs: 200 }, 1024);
    const l = new UdpListener({
      port: 0,
      host: '127.0.0.1',
      recvBufferSize: 1 << 20,
      stats: h.collector.stats,
      tickMs: 10,
      onMessage: (msg, from) => h.collector.handle(msg, from),
      onTick: () => h.collector.tick(),
    });
    await l.start();
    return { h, l };
  };

  beforeEach(async () => {
    c1 = await collector();
    c2 = await collector();
    a = await exporter('127.0.0.1');
    b = await exporter('127.0.0.2');
  });
  afterEach(async () => {
    await c1.l.stop();
    await c2.l.stop();
    a.close();
    b.close();
  });

  it("each decodes its own exporter's template and data, the same template id meaning different layouts", async () => {
    expect(c1.l.port).not.toBe(c2.l.port);
    await send(a, v9(A_LAYOUT, null, true, 0), c1.l.port);
    await send(
      a,
      v9(A_LAYOUT, [aRow('10.1.0.1', '192.0.2.1', 22, 180), aRow('10.1.0.1', '192.0.2.2', 22, 181)], false, 0),
      c1.l.port,
    );
    await send(b, v9(B_LAYOUT, null, true, 0), c2.l.port);
    await send(b, v9(B_LAYOUT, [bRow('10.2.0.9', '198.51.100.7', 53, 76543210)], false, 0), c2.l.port);
    await until(() => c1.h.records.length === 2 && c2.h.records.length === 1, 'both collectors to decode');

    expect(c1.h.records).toEqual([
      expect.objectContaining({
        exporter: '127.0.0.1',
        src: '10.1.0.1',
        dst: '192.0.2.1',
        srcPort: 40000,
        dstPort: 22,
        protocol: 6,
        packets: 3,
        bytes: 180,
      }),
      expect.objectContaining({ exporter: '127.0.0.1', src: '10.1.0.1', dst: '192.0.2.2', dstPort: 22, bytes: 181 }),
    ]);
    expect(c1.h.records[0].end).toBe(new Date(SECS * 1000 - 1000).toISOString());
    expect(c2.h.records).toEqual([
      expect.objectContaining({
        exporter: '127.0.0.2',
        src: '10.2.0.9',
        dst: '198.51.100.7',
        srcPort: 53000,
        dstPort: 53,
        protocol: 17,
        packets: 2,
        bytes: 76543210,
      }),
    ]);
    expect(c2.h.records[0].end).toBe(new Date(SECS * 1000 - 2000).toISOString());
    // Each collector knows only the exporter that sends to it.
    expect(c1.h.collector.streamCounters().map((s) => s.exporter)).toEqual(['127.0.0.1']);
    expect(c2.h.collector.streamCounters().map((s) => s.exporter)).toEqual(['127.0.0.2']);
    for (const c of [c1, c2]) expect(c.h.collector.stats.rejected.size).toBe(0);
  });

  it('an exporter moved to the other collector: its data waits for the next template, and expires (counted) without one', async () => {
    await send(a, v9(A_LAYOUT, [aRow('10.1.0.1', '192.0.2.1', 22, 100)], true, 0), c1.l.port);
    await send(b, v9(B_LAYOUT, [bRow('10.2.0.9', '198.51.100.7', 53, 200)], true, 0), c2.l.port);
    await until(() => c1.h.records.length === 1 && c2.h.records.length === 1, 'the first records');

    // A now sends to collector 2, which has B's template 256 but none from A.
    await send(a, v9(A_LAYOUT, [aRow('10.1.0.1', '192.0.2.3', 22, 300)], false, 1), c2.l.port);
    await until(() => c2.h.collector.templates.pendingSets === 1, 'the data set to be held');
    expect(c2.h.records).toHaveLength(1);
    // A's template refresh reaches collector 2: the held data decodes with A's layout, not B's.
    await send(a, v9(A_LAYOUT, null, true, 2), c2.l.port);
    await until(() => c2.h.records.length === 2, 'the held data to decode');
    expect(c2.h.records[1]).toMatchObject({
      exporter: '127.0.0.1',
      src: '10.1.0.1',
      dst: '192.0.2.3',
      dstPort: 22,
      bytes: 300,
    });
    expect(c2.h.collector.templates.pendingSets).toBe(0);

    // B moves to collector 1 and no template follows within the hold time: counted, never misread.
    await send(b, v9(B_LAYOUT, [bRow('10.2.0.9', '198.51.100.8', 53, 400)], false, 1), c1.l.port);
    await until(() => c1.h.collector.stats.rejected.get('template-missing-expired') === 1, 'the expiry');
    expect(c1.h.records).toHaveLength(1);
  });
});
