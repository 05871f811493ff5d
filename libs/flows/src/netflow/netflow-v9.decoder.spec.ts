import { type FieldSpec, TemplatedPacketBuilder } from './netflow-packet.builder';
import { netflowHarness } from './netflow-test-harness';

const SECS = Date.UTC(2024, 4, 1, 10, 0, 0) / 1000;
const T0 = SECS * 1000;

/** softflowd's v9 IPv4 template without -A: times as sysUptime ms. */
const V4: FieldSpec[] = [
  [8, 4],
  [12, 4],
  [22, 4],
  [21, 4],
  [1, 4],
  [2, 4],
  [10, 4],
  [14, 4],
  [61, 1],
  [136, 1],
  [7, 2],
  [11, 2],
  [4, 1],
  [6, 1],
  [60, 1],
  [5, 1],
];
const row = (src: string, dst: string, first: number, last: number, bytes: number, pkts: number) => [
  src,
  dst,
  first,
  last,
  bytes,
  pkts,
  0,
  0,
  0,
  2,
  40000,
  80,
  6,
  0x1b,
  4,
  0,
];

function v9(known?: Map<number, FieldSpec[]>): TemplatedPacketBuilder {
  return new TemplatedPacketBuilder(9, known);
}

describe('NetflowV9Decoder', () => {
  it('decodes a template and its data, with uptimes relative to the header sysUptime', () => {
    const h = netflowHarness();
    const out = h.feed(
      v9()
        .template(1024, V4)
        .data(1024, [row('10.0.0.1', '192.0.2.10', 8_000, 9_500, 220, 3)])
        .build({ sysUptime: 10_000, exportSecs: SECS }),
    );
    expect(out).toMatchObject([
      {
        src: '10.0.0.1',
        dst: '192.0.2.10',
        srcPort: 40000,
        dstPort: 80,
        protocol: 6,
        packets: 3,
        bytes: 220,
        tcpFlags: 0x1b,
        start: new Date(T0 - 2000).toISOString(),
        end: new Date(T0 - 500).toISOString(),
        source: 'netflow-v9',
      },
    ]);
  });

  it('does not read option scope types as elements, and applies samplingInterval', () => {
    const h = netflowHarness();
    // softflowd: scope "interface" (type 2, which as an element id would be packetDeltaCount).
    const buf = v9()
      .optionsTemplate(
        256,
        [[2, 4]],
        [
          [34, 4],
          [35, 1],
          [82, 16],
        ],
      )
      .data(256, [[7, 100, 1, Buffer.from('eth0')]], false)
      .template(1024, V4)
      .data(1024, [row('10.0.0.1', '192.0.2.10', 1, 2, 60, 1)])
      .build({ sysUptime: 10, exportSecs: SECS });
    expect(h.feed(buf)).toMatchObject([{ packets: 100, bytes: 6000, sampling: 100 }]);
  });

  it('maps FLOW_SAMPLER_ID in data records to the sampler announced in options data', () => {
    const h = netflowHarness();
    const withSampler: FieldSpec[] = [
      [8, 4],
      [12, 4],
      [2, 4],
      [1, 4],
      [48, 1],
    ];
    const buf = v9()
      .optionsTemplate(
        257,
        [[1, 4]],
        [
          [48, 1],
          [49, 1],
          [50, 4],
        ],
      )
      .data(257, [
        [0, 1, 2, 1000],
        [0, 2, 2, 50],
      ])
      .template(1024, withSampler)
      .data(1024, [
        ['10.0.0.1', '10.0.0.2', 1, 10, 1],
        ['10.0.0.1', '10.0.0.2', 1, 10, 2],
        ['10.0.0.1', '10.0.0.2', 1, 10, 3],
      ])
      .build();
    expect(h.feed(buf).map((r) => r.sampling)).toEqual([1000, 50, 1]);
  });

  it('holds data sent before its template', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>([[1024, V4]]);
    h.feed(
      v9(known)
        .data(1024, [row('10.0.0.1', '192.0.2.10', 1, 2, 60, 1)])
        .build({ sysUptime: 10, exportSecs: SECS }),
    );
    expect(h.records).toHaveLength(0);
    const out = h.feed(
      v9()
        .template(1024, V4)
        .build({ sysUptime: 20_000, exportSecs: SECS + 20 }),
    );
    // Times come from the header of the datagram that carried the data, not the template's.
    expect(out).toMatchObject([{ start: new Date(T0 - 9).toISOString(), end: new Date(T0 - 8).toISOString() }]);
  });

  it('counts lost datagrams from the sequence and scales them to records', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>();
    h.feed(v9(known).template(1024, V4).build({ sequence: 1, sysUptime: 100 }));
    const rows = Array(10).fill(row('10.0.0.1', '192.0.2.10', 1, 2, 60, 1));
    for (const seq of [2, 3, 4, 7, 8])
      h.feed(
        v9(known)
          .data(1024, rows)
          .build({ sequence: seq, sysUptime: 100 + seq }),
      );
    const [s] = h.collector.streamCounters();
    expect(s).toMatchObject({ version: 9, sequenceUnit: 'datagrams', received: 50, resets: 0 });
    // 2 datagrams lost at a mean of 50 records / 6 datagrams.
    expect(s.lost).toBe(Math.round((2 * 50) / 6));
  });

  it('treats an exporter restart (sysUptime back to small) as a resync, not loss', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>();
    h.feed(v9(known).template(1024, V4).build({ sequence: 1000, sysUptime: 3_600_000 }));
    h.feed(v9(known).template(1024, V4).build({ sequence: 1001, sysUptime: 3_600_100 }));
    h.feed(v9(known).template(1024, V4).build({ sequence: 0, sysUptime: 50 }));
    h.feed(v9(known).template(1024, V4).build({ sequence: 1, sysUptime: 60 }));
    expect(h.collector.streamCounters()).toMatchObject([{ lost: 0, resets: 1 }]);
  });

  it('rejects flowset ids 2-255 and lying flowset lengths', () => {
    const h = netflowHarness();
    h.feed(v9().set(7, Buffer.alloc(4)).build());
    const buf = v9().template(1024, V4).build();
    buf.writeUInt16BE(0xffff, 22);
    h.feed(buf);
    buf.writeUInt16BE(2, 22);
    h.feed(buf);
    expect(h.rejected('unknown-set')).toBe(1);
    expect(h.rejected('bad-set-length')).toBe(2);
  });
});
