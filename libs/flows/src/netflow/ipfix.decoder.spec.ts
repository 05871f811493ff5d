import { type FieldSpec, TemplatedPacketBuilder } from './netflow-packet.builder';
import { netflowHarness } from './netflow-test-harness';

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const SECS = T0 / 1000;

/** The IPv4 template softflowd sends with -A milli. */
const V4: FieldSpec[] = [
  [8, 4],
  [12, 4],
  [152, 8],
  [153, 8],
  [1, 4],
  [2, 4],
  [10, 4],
  [14, 4],
  [7, 2],
  [11, 2],
  [4, 1],
  [6, 1],
  [60, 1],
  [5, 1],
];
const v4Row = (src: string, dst: string, sp: number, dp: number, proto: number, pkts: number, bytes: number) => [
  src,
  dst,
  T0 + 100,
  T0 + 900,
  bytes,
  pkts,
  1,
  1,
  sp,
  dp,
  proto,
  proto === 6 ? 0x12 : 0,
  4,
  0,
];

function ipfix(): TemplatedPacketBuilder {
  return new TemplatedPacketBuilder(10);
}

describe('IpfixDecoder', () => {
  it('decodes data after its template, in the same message', () => {
    const h = netflowHarness();
    const buf = ipfix()
      .template(1024, V4)
      .data(1024, [
        v4Row('10.0.0.4', '203.0.113.9', 40000, 22, 6, 3, 180),
        v4Row('10.0.0.5', '198.51.100.1', 5353, 53, 17, 1, 70),
      ])
      .build({ exportSecs: SECS + 1, sequence: 0 });
    const out = h.feed(buf);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      src: '10.0.0.4',
      dst: '203.0.113.9',
      srcPort: 40000,
      dstPort: 22,
      protocol: 6,
      packets: 3,
      bytes: 180,
      tcpFlags: 0x12,
      start: new Date(T0 + 100).toISOString(),
      end: new Date(T0 + 900).toISOString(),
      source: 'ipfix',
    });
    expect(out[1]).toMatchObject({ protocol: 17, tcpFlags: null, dstPort: 53 });
  });

  it('holds data that arrives before its template and decodes it when the template comes', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>([[1024, V4]]);
    const data = new TemplatedPacketBuilder(10, known)
      .data(1024, [v4Row('10.0.0.4', '203.0.113.9', 1, 2, 17, 5, 500)])
      .build({ exportSecs: SECS });
    expect(h.feed(data)).toHaveLength(0);
    expect(h.collector.templates.pendingSets).toBe(1);
    const out = h.feed(
      ipfix()
        .template(1024, V4)
        .build({ exportSecs: SECS + 5 }),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ src: '10.0.0.4', packets: 5, bytes: 500 });
    expect(h.collector.templates.pendingSets).toBe(0);
    expect(h.collector.templates.pendingBytes).toBe(0);
  });

  it('counts held data whose template never comes once it expires', () => {
    let now = 1_000_000;
    const h = netflowHarness({ now: () => now, pendingTtlMs: 60_000 });
    const known = new Map<number, FieldSpec[]>([[1024, V4]]);
    const data = new TemplatedPacketBuilder(10, known).data(1024, [v4Row('10.0.0.4', '203.0.113.9', 1, 2, 17, 5, 500)]);
    h.feed(data.build());
    h.feed(data.build());
    now += 59_000;
    h.collector.tick();
    expect(h.rejected('template-missing-expired')).toBe(0);
    now += 2_000;
    h.collector.tick();
    expect(h.rejected('template-missing-expired')).toBe(2);
    expect(h.collector.templates.pendingSets).toBe(0);
    // The template arriving late decodes nothing: the data was already counted as expired.
    expect(h.feed(ipfix().template(1024, V4).build())).toHaveLength(0);
  });

  it('bounds held data in bytes and counts what does not fit', () => {
    const h = netflowHarness({ maxPendingBytes: 200 });
    const known = new Map<number, FieldSpec[]>([[1024, V4]]);
    const rows = [1, 2].map((k) => v4Row('10.0.0.4', '203.0.113.9', k, 2, 17, 1, 1));
    for (let k = 0; k < 5; k++) h.feed(new TemplatedPacketBuilder(10, known).data(1024, rows).build());
    expect(h.collector.templates.pendingBytes).toBeLessThanOrEqual(200);
    expect(h.rejected('pending-overflow')).toBe(3);
  });

  it('withdraws one template, and all templates with id 2', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>();
    h.feed(new TemplatedPacketBuilder(10, known).template(1024, V4).template(1025, V4).build());
    expect(h.collector.templates.templateCount).toBe(2);
    h.feed(new TemplatedPacketBuilder(10, known).withdraw(1024).build());
    expect(h.collector.templates.templateCount).toBe(1);
    const row = v4Row('10.0.0.4', '203.0.113.9', 1, 2, 17, 1, 1);
    // Data for the withdrawn template waits for a new definition instead of being misread.
    known.set(1024, V4);
    h.feed(new TemplatedPacketBuilder(10, known).data(1024, [row]).data(1025, [row]).build());
    expect(h.records).toHaveLength(1);
    expect(h.collector.templates.pendingSets).toBe(1);
    h.feed(new TemplatedPacketBuilder(10, known).withdraw(2).build());
    expect(h.collector.templates.templateCount).toBe(0);
  });

  it('replaces a template that is redefined', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>();
    h.feed(new TemplatedPacketBuilder(10, known).template(300, V4).build());
    const other: FieldSpec[] = [
      [12, 4],
      [8, 4],
      [2, 2],
    ];
    const out = h.feed(
      new TemplatedPacketBuilder(10, known)
        .template(300, other)
        .data(300, [['198.51.100.1', '10.0.0.9', 7]])
        .build(),
    );
    expect(out).toMatchObject([{ src: '10.0.0.9', dst: '198.51.100.1', packets: 7 }]);
    expect(h.collector.templates.templateCount).toBe(1);
  });

  it('applies the sampling rate from options data (samplingInterval 34)', () => {
    const h = netflowHarness();
    const buf = ipfix()
      .optionsTemplate(256, [[149, 4]], [[34, 4]])
      .data(256, [[0, 64]])
      .template(1024, V4)
      .data(1024, [v4Row('10.0.0.4', '203.0.113.9', 1, 2, 6, 2, 100)])
      .build();
    expect(h.feed(buf)).toMatchObject([{ packets: 128, bytes: 6400, sampling: 64 }]);
  });

  it('applies PSAMP interval/space sampling and systemInitTimeMilliseconds as softflowd sends them', () => {
    const h = netflowHarness();
    const sysUp: FieldSpec[] = [
      [8, 4],
      [12, 4],
      [22, 4],
      [21, 4],
      [1, 4],
      [2, 4],
    ];
    const buf = ipfix()
      .optionsTemplate(
        256,
        [[143, 4]],
        [
          [160, 8],
          [305, 4],
          [306, 4],
          [304, 2],
          [82, 16],
        ],
      )
      .data(256, [[1234, T0 - 60_000, 1, 9, 1, Buffer.from('eth0')]])
      .template(1024, sysUp)
      .data(1024, [['10.0.0.4', '203.0.113.9', 60_500, 61_500, 100, 2]])
      .build({ exportSecs: SECS + 5 });
    expect(h.feed(buf)).toMatchObject([
      {
        packets: 20,
        bytes: 1000,
        sampling: 10,
        start: new Date(T0 + 500).toISOString(),
        end: new Date(T0 + 1500).toISOString(),
      },
    ]);
  });

  it('without systemInitTimeMilliseconds takes a sysUpTime flow as ending at export time', () => {
    const h = netflowHarness();
    const sysUp: FieldSpec[] = [
      [8, 4],
      [12, 4],
      [22, 4],
      [21, 4],
    ];
    const [r] = h.feed(
      ipfix()
        .template(1024, sysUp)
        .data(1024, [['10.0.0.4', '203.0.113.9', 1_000, 4_000]])
        .build({ exportSecs: SECS }),
    );
    expect(r).toMatchObject({ start: new Date(T0 - 3000).toISOString(), end: new Date(T0).toISOString() });
  });

  it('decodes IPv6 records', () => {
    const h = netflowHarness();
    const v6: FieldSpec[] = [
      [27, 16],
      [28, 16],
      [152, 8],
      [153, 8],
      [1, 4],
      [2, 4],
      [7, 2],
      [11, 2],
      [4, 1],
      [6, 1],
    ];
    const out = h.feed(
      ipfix()
        .template(2048, v6)
        .data(2048, [['2001:db8::1', '2001:db8:0:1::53', T0, T0 + 1, 300, 3, 50000, 443, 6, 0x02]])
        .build(),
    );
    expect(out).toMatchObject([
      {
        src: '2001:db8::1',
        dst: '2001:db8:0:1::53',
        srcPort: 50000,
        dstPort: 443,
        packets: 3,
        bytes: 300,
        tcpFlags: 2,
      },
    ]);
  });

  it('reads whichever address family is filled in templates that carry both', () => {
    const h = netflowHarness();
    const both: FieldSpec[] = [
      [8, 4],
      [12, 4],
      [27, 16],
      [28, 16],
      [2, 4],
    ];
    const out = h.feed(
      ipfix()
        .template(400, both)
        .data(400, [
          ['10.0.0.1', '10.0.0.2', '::', '::', 1],
          ['0.0.0.0', '0.0.0.0', '2001:db8::1', '2001:db8::2', 2],
        ])
        .build(),
    );
    expect(out.map((r) => [r.src, r.dst])).toEqual([
      ['10.0.0.1', '10.0.0.2'],
      ['2001:db8::1', '2001:db8::2'],
    ]);
  });

  it('skips enterprise-specific and variable-length fields by their length', () => {
    const h = netflowHarness();
    const fields: FieldSpec[] = [
      [8, 4],
      [100, 65535, 9], // enterprise, variable length
      [12, 4],
      [82, 65535], // interfaceName, variable length
      [200, 6, 29305], // reverse-direction element
      [2, 4],
      [1, 8],
    ];
    const long = Buffer.alloc(300, 0x41); // needs the 3-byte length form
    const out = h.feed(
      ipfix()
        .template(500, fields)
        .data(500, [
          ['10.0.0.1', Buffer.from('x'), '10.0.0.2', Buffer.from('eth0'), 0, 4, 1000],
          ['10.0.0.3', long, '10.0.0.4', Buffer.alloc(0), 0, 5, 2000],
        ])
        .build(),
    );
    expect(out.map((r) => [r.src, r.dst, r.packets, r.bytes])).toEqual([
      ['10.0.0.1', '10.0.0.2', 4, 1000],
      ['10.0.0.3', '10.0.0.4', 5, 2000],
    ]);
  });

  it('counts a variable-length record that runs past its set as bad-record', () => {
    const h = netflowHarness();
    const fields: FieldSpec[] = [
      [8, 4],
      [12, 4],
      [82, 65535],
    ];
    const body = Buffer.concat([Buffer.from([10, 0, 0, 1, 10, 0, 0, 2, 200]), Buffer.alloc(10)]);
    const out = h.feed(ipfix().template(500, fields).set(500, body).build());
    expect(out).toHaveLength(0);
    expect(h.rejected('bad-record')).toBe(1);
  });

  it('reads counters of every reduced size (1-8 bytes), totals when no deltas, and microsecond/second times', () => {
    const h = netflowHarness();
    for (const len of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const fields: FieldSpec[] = [
        [8, 4],
        [12, 4],
        [85, len],
        [86, len],
        [150, 4],
        [151, 4],
      ];
      const big = len >= 7 ? 2 ** 50 + 3 : 2 ** (8 * len) - 2;
      const [r] = h.feed(
        ipfix()
          .template(600 + len, fields)
          .data(600 + len, [['10.0.0.1', '10.0.0.2', big, len, SECS, SECS + 2]])
          .build(),
      );
      expect([r.bytes, r.packets]).toEqual([big, len]);
      expect([Date.parse(r.start), Date.parse(r.end)]).toEqual([T0, T0 + 2000]);
    }
    const ntp: FieldSpec[] = [
      [8, 4],
      [12, 4],
      [154, 8],
      [157, 8],
    ];
    const ntpOf = (ms: number): bigint =>
      (BigInt(Math.floor(ms / 1000) + 2208988800) << 32n) | BigInt(Math.round(((ms % 1000) / 1000) * 2 ** 32));
    const [r] = h.feed(
      ipfix()
        .template(700, ntp)
        .data(700, [['10.0.0.1', '10.0.0.2', ntpOf(T0 + 250), ntpOf(T0 + 750)]])
        .build(),
    );
    expect([Date.parse(r.start), Date.parse(r.end)]).toEqual([T0 + 250, T0 + 750]);
  });

  it('estimates lost records from RFC sequence numbers (records before this message)', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>();
    h.feed(new TemplatedPacketBuilder(10, known).template(1024, V4).build({ sequence: 0 }));
    const row = v4Row('10.0.0.4', '203.0.113.9', 1, 2, 17, 1, 1);
    let seq = 0;
    const send = (n: number, skip = 0): void => {
      seq += skip;
      h.feed(new TemplatedPacketBuilder(10, known).data(1024, Array(n).fill(row)).build({ sequence: seq }));
      seq += n;
    };
    send(10);
    send(10);
    send(10, 25); // 25 lost
    send(10);
    expect(h.collector.streamCounters()).toMatchObject([{ received: 40, lost: 25, sequenceUnit: 'records' }]);
  });

  it("recognises softflowd's inclusive sequence numbers and reports no false loss", () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>();
    const row = v4Row('10.0.0.4', '203.0.113.9', 1, 2, 17, 1, 1);
    let seq = 0;
    for (const n of [20, 28, 28, 28, 7, 28, 16]) {
      seq += n;
      const b = new TemplatedPacketBuilder(10, known);
      if (seq === 20) b.template(1024, V4);
      h.feed(b.data(1024, Array(n).fill(row)).build({ sequence: seq }));
    }
    seq += 28 + 28; // two datagrams lost
    h.feed(new TemplatedPacketBuilder(10, known).data(1024, Array(5).fill(row)).build({ sequence: seq + 5 }));
    expect(h.collector.streamCounters()).toMatchObject([{ lost: 56, sequenceUnit: 'records-inclusive' }]);
  });

  it('keeps templates per observation domain and per exporter', () => {
    const h = netflowHarness();
    const known = new Map<number, FieldSpec[]>();
    h.feed(new TemplatedPacketBuilder(10, known).template(1024, V4).build({ domain: 1 }));
    const data = new TemplatedPacketBuilder(10, known).data(1024, [v4Row('10.0.0.4', '203.0.113.9', 1, 2, 17, 1, 1)]);
    expect(h.feed(data.build({ domain: 1 }))).toHaveLength(1);
    expect(h.feed(data.build({ domain: 2 }))).toHaveLength(0);
    expect(h.feed(data.build({ domain: 1 }), '192.0.2.99')).toHaveLength(0);
    expect(h.collector.templates.pendingSets).toBe(2);
  });

  it('bounds templates per exporter and in total', () => {
    const h = netflowHarness({ maxTemplatesPerExporter: 10, maxTemplates: 15 });
    const b = ipfix();
    for (let id = 256; id < 276; id++) b.template(id, V4);
    h.feed(b.build());
    expect(h.collector.templates.templateCount).toBe(10);
    expect(h.rejected('template-limit')).toBe(10);
    h.feed(b.build(), '192.0.2.2');
    expect(h.collector.templates.templateCount).toBe(15);
    expect(h.rejected('template-limit')).toBe(25);
  });

  it('evicts idle exporters when the exporter bound is reached, dropping their templates', () => {
    let now = 0;
    const h = netflowHarness({ now: () => now, maxExporters: 2, exporterIdleMs: 60_000 });
    const tpl = ipfix().template(1024, V4).build();
    h.feed(tpl, '192.0.2.1');
    h.feed(tpl, '192.0.2.2');
    h.feed(tpl, '192.0.2.3');
    expect(h.rejected('exporter-limit')).toBe(1);
    now = 120_000;
    h.feed(tpl, '192.0.2.3');
    expect(h.collector.exporterCounters().map((e) => e.exporter)).toEqual(['192.0.2.3']);
    expect(h.collector.templates.templateCount).toBe(1);
  });
});
