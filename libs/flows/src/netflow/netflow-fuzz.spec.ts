import { buildNetflowV5, type FieldSpec, TemplatedPacketBuilder } from './netflow-packet.builder';
import { netflowHarness, type NetflowHarness } from './netflow-test-harness';

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
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

const SECS = Date.UTC(2024, 4, 1) / 1000;
const V4: FieldSpec[] = [
  [8, 4],
  [12, 4],
  [152, 8],
  [153, 8],
  [1, 4],
  [2, 4],
  [7, 2],
  [11, 2],
  [4, 1],
  [6, 1],
];
const VAR: FieldSpec[] = [
  [8, 4],
  [82, 65535],
  [12, 4],
  [100, 65535, 9],
  [2, 4],
];
const row = (k: number) => ['10.0.0.1', '10.0.0.2', 1, 2, 100 + k, 1 + k, k, 80, 6, 2];

function samples(): Buffer[] {
  const v5 = buildNetflowV5(
    { sysUptime: 100, unixSecs: SECS },
    Array.from({ length: 30 }, (_, k) => ({
      src: '10.0.0.1',
      dst: '10.0.0.2',
      packets: k,
      bytes: k,
      first: 1,
      last: 2,
    })),
  );
  const v9 = new TemplatedPacketBuilder(9)
    .optionsTemplate(
      256,
      [[2, 4]],
      [
        [34, 4],
        [82, 16],
      ],
    )
    .data(256, [[1, 10, Buffer.from('eth0')]])
    .template(1024, V4)
    .data(1024, [row(1), row(2), row(3)])
    .build({ sysUptime: 1000, exportSecs: SECS });
  const ipfix = new TemplatedPacketBuilder(10)
    .optionsTemplate(
      256,
      [[143, 4]],
      [
        [160, 8],
        [305, 4],
        [306, 4],
      ],
    )
    .data(256, [[1, SECS * 1000, 1, 0]])
    .template(1024, V4)
    .template(1025, VAR)
    .data(1024, [row(1), row(2), row(3)])
    .data(1025, [['10.0.0.1', Buffer.alloc(300, 1), '10.0.0.2', Buffer.from('x'), 5]])
    .build({ exportSecs: SECS });
  return [v5, v9, ipfix];
}

/**
 * CPU time of this process in ms. Work bounds are checked on CPU time, not the wall clock, which on a
 * loaded machine also counts the time other processes held the core.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Feeds a datagram and checks the one promise every input gets: no throw, and an outcome. */
function feedChecked(h: NetflowHarness, buf: Buffer, exporter = '192.0.2.1'): number {
  const rejectedBefore = h.collector.stats.rejectedTotal();
  const t = cpuMs();
  const result = h.collector.handle(buf, exporter);
  expect(cpuMs() - t).toBeLessThan(100);
  if (result <= 0) expect(h.collector.stats.rejectedTotal()).toBeGreaterThan(rejectedBefore);
  return result;
}

function checkInvariants(h: NetflowHarness): void {
  const cache = h.collector.templates;
  let templates = 0;
  let pending = 0;
  for (const e of cache.exporters()) {
    let perExporter = 0;
    for (const d of e.domains.values()) {
      perExporter += d.templates.size;
      for (const p of d.pending) pending += p.data.length;
    }
    expect(e.templateCount).toBe(perExporter);
    expect(perExporter).toBeLessThanOrEqual(cache.limits.maxTemplatesPerExporter);
    templates += perExporter;
  }
  expect(cache.templateCount).toBe(templates);
  expect(cache.pendingBytes).toBe(pending);
  expect(pending).toBeLessThanOrEqual(cache.limits.maxPendingBytes);
  for (const r of h.records) {
    expect(Number.isFinite(r.packets) && Number.isFinite(r.bytes)).toBe(true);
  }
}

describe('NetFlow/IPFIX decoding of hostile input', () => {
  it('survives every truncation of valid datagrams and counts each', () => {
    for (const sample of samples()) {
      const h = netflowHarness();
      for (let len = 0; len < sample.length; len++) feedChecked(h, sample.subarray(0, len));
      expect(feedChecked(h, sample)).toBeGreaterThan(0);
      checkInvariants(h);
    }
  });

  it('rejects unknown versions and empty datagrams', () => {
    const h = netflowHarness();
    for (const v of [0, 1, 7, 8, 11, 0xffff]) {
      const b = Buffer.alloc(64);
      b.writeUInt16BE(v, 0);
      feedChecked(h, b);
    }
    feedChecked(h, Buffer.alloc(0));
    feedChecked(h, new TemplatedPacketBuilder(9).build());
    feedChecked(h, new TemplatedPacketBuilder(10).build());
    expect(h.rejected('bad-version')).toBe(6);
    expect(h.rejected('truncated')).toBe(1);
    expect(h.rejected('empty')).toBe(2);
  });

  it('handles lying length fields', () => {
    const h = netflowHarness();
    const [, v9, ipfix] = samples();
    for (const base of [v9, ipfix]) {
      const first = base[1] === 9 ? 20 : 16;
      for (const setLength of [0, 1, 3, 0xffff, base.length - first + 1]) {
        const b = Buffer.from(base);
        b.writeUInt16BE(setLength, first + 2);
        feedChecked(h, b);
      }
    }
    expect(h.rejected('bad-set-length')).toBe(10);

    const ip = Buffer.from(ipfix);
    for (const length of [0, 15, ip.length + 1, 0xffff]) {
      ip.writeUInt16BE(length, 2);
      feedChecked(h, ip);
    }
    expect(h.rejected('bad-length') + h.rejected('truncated')).toBe(4);

    // A header length shorter than the datagram: the tail is not part of the message.
    const tail = Buffer.concat([ipfix, Buffer.alloc(40, 0xff)]);
    expect(feedChecked(h, tail)).toBeGreaterThan(0);

    const v5 = buildNetflowV5({ sysUptime: 1, unixSecs: 1, count: 0xffff }, [
      { src: '10.0.0.1', dst: '10.0.0.2', packets: 1, bytes: 1, first: 0, last: 0 },
    ]);
    feedChecked(h, v5);
    expect(h.rejected('bad-count')).toBe(1);
    checkInvariants(h);
  });

  it('rejects templates with huge field counts, zero-length or oversized records', () => {
    const h = netflowHarness();
    const huge = Buffer.alloc(8);
    huge.writeUInt16BE(300, 0);
    huge.writeUInt16BE(0xffff, 2);
    feedChecked(h, new TemplatedPacketBuilder(10).set(2, huge).build());
    const many = Buffer.concat([Buffer.from([1, 44, 1, 44]), Buffer.alloc(300 * 4, 0)]);
    for (let k = 0; k < 300; k++) many.writeUInt32BE((1 << 16) | 4, 4 + 4 * k);
    feedChecked(h, new TemplatedPacketBuilder(10).set(2, many).build());
    feedChecked(
      h,
      new TemplatedPacketBuilder(10)
        .template(301, [
          [8, 0],
          [12, 0],
        ])
        .build(),
    );
    feedChecked(h, new TemplatedPacketBuilder(10).template(302, [[8, 65534]]).build());
    expect(h.rejected('bad-template')).toBe(4);
    // A record longer than any data set can carry is accepted as a template but never fits.
    feedChecked(
      h,
      new TemplatedPacketBuilder(10)
        .template(303, [
          [8, 4],
          [12, 4],
          [999, 60000],
        ])
        .build(),
    );
    feedChecked(h, new TemplatedPacketBuilder(10).set(303, Buffer.alloc(100)).build());
    expect(h.rejected('short-data-set')).toBe(1);
    const scope0 = Buffer.from([1, 44, 0, 1, 0, 0, 0, 8, 0, 4]);
    feedChecked(h, new TemplatedPacketBuilder(10).set(3, scope0).build());
    expect(h.rejected('bad-template')).toBe(5);
    checkInvariants(h);
  });

  it('copes with a template redefining itself over and over, and with floods of templates', () => {
    const h = netflowHarness();
    const loop = new TemplatedPacketBuilder(10);
    for (let k = 0; k < 150; k++) {
      loop.template(
        300,
        k % 2
          ? V4
          : [
              [8, 4],
              [12, 4],
              [2, 4],
            ],
      );
    }
    feedChecked(h, loop.build());
    expect(h.collector.templates.templateCount).toBe(1);

    for (let round = 0; round < 20; round++) {
      const flood = new TemplatedPacketBuilder(10);
      for (let k = 0; k < 100; k++) flood.template(256 + round * 100 + k, V4);
      feedChecked(h, flood.build({ domain: round % 3 }));
    }
    expect(h.collector.templates.templateCount).toBe(h.collector.templates.limits.maxTemplatesPerExporter);
    expect(h.rejected('template-limit')).toBeGreaterThan(0);
    checkInvariants(h);
  });

  it('bounds exporters and domains', () => {
    const h = netflowHarness({ maxExporters: 5, maxDomainsPerExporter: 3 });
    const buf = (domain: number) => new TemplatedPacketBuilder(10).template(1024, V4).build({ domain });
    for (let k = 0; k < 8; k++) feedChecked(h, buf(0), `192.0.2.${k}`);
    for (let d = 1; d < 6; d++) feedChecked(h, buf(d));
    expect(h.rejected('exporter-limit')).toBe(3);
    expect(h.rejected('domain-limit')).toBe(3);
  });

  it('survives thousands of random and mutated datagrams (seeded), counting each', () => {
    const rand = prng(0x5eed);
    const h = netflowHarness({ maxPendingBytes: 64 * 1024 });
    const valid = samples();
    const started = cpuMs();
    for (let n = 0; n < 6000; n++) {
      let buf: Buffer;
      const mode = n % 4;
      if (mode === 0) {
        buf = Buffer.alloc(Math.floor(rand() * 1500));
        for (let k = 0; k < buf.length; k++) buf[k] = Math.floor(rand() * 256);
      } else if (mode === 1) {
        buf = Buffer.alloc(2 + Math.floor(rand() * 1500));
        for (let k = 0; k < buf.length; k++) buf[k] = Math.floor(rand() * 256);
        buf.writeUInt16BE([5, 9, 10][Math.floor(rand() * 3)], 0);
      } else {
        // Mutations of valid datagrams reach deep into the set and template parsers.
        buf = Buffer.from(valid[Math.floor(rand() * valid.length)]);
        const flips = 1 + Math.floor(rand() * 8);
        for (let f = 0; f < flips; f++) {
          const at = 2 + Math.floor(rand() * (buf.length - 2));
          buf[at] = rand() < 0.5 ? Math.floor(rand() * 256) : buf[at] ^ (1 << Math.floor(rand() * 8));
        }
        if (rand() < 0.2) buf = buf.subarray(0, Math.floor(rand() * buf.length));
      }
      feedChecked(h, buf, `198.51.100.${n % 7}`);
    }
    h.collector.flush();
    expect(cpuMs() - started).toBeLessThan(10_000);
    expect(h.collector.stats.datagrams).toBe(6000);
    checkInvariants(h);
  });
});
