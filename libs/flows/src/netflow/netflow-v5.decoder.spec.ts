import { buildNetflowV5, type V5Flow } from './netflow-packet.builder';
import { netflowHarness } from './netflow-test-harness';

const SECS = Date.UTC(2024, 4, 1, 10, 0, 0) / 1000;

function flow(over: Partial<V5Flow> = {}): V5Flow {
  return {
    src: '10.0.0.4',
    dst: '203.0.113.9',
    srcPort: 40000,
    dstPort: 22,
    proto: 6,
    tcpFlags: 0x02,
    packets: 3,
    bytes: 180,
    first: 9_000,
    last: 9_500,
    ...over,
  };
}

describe('NetflowV5Decoder', () => {
  it('decodes every field and turns sysUptime into absolute time', () => {
    const h = netflowHarness();
    const buf = buildNetflowV5({ sysUptime: 10_000, unixSecs: SECS, unixNsecs: 250_000_000 }, [
      flow(),
      flow({
        src: '10.0.0.5',
        dst: '198.51.100.1',
        srcPort: 5353,
        dstPort: 53,
        proto: 17,
        tcpFlags: 0,
        packets: 1,
        bytes: 70,
      }),
    ]);
    const [a, b] = h.feed(buf);
    expect(a).toMatchObject({
      src: '10.0.0.4',
      dst: '203.0.113.9',
      srcPort: 40000,
      dstPort: 22,
      protocol: 6,
      packets: 3,
      bytes: 180,
      tcpFlags: 2,
      sampling: 1,
      source: 'netflow-v5',
      exporter: '192.0.2.1',
      start: new Date(SECS * 1000 + 250 - 1000).toISOString(),
      end: new Date(SECS * 1000 + 250 - 500).toISOString(),
    });
    expect(b).toMatchObject({ protocol: 17, srcPort: 5353, dstPort: 53, tcpFlags: null, packets: 1, bytes: 70 });
    expect(h.collector.stats.records).toBe(2);
  });

  it('applies the sampling interval (low 14 bits)', () => {
    const h = netflowHarness();
    const [r] = h.feed(buildNetflowV5({ sysUptime: 10_000, unixSecs: SECS, sampling: (1 << 14) | 100 }, [flow()]));
    expect(r).toMatchObject({ packets: 300, bytes: 18_000, sampling: 100 });
  });

  it('handles First/Last from before a sysUptime wrap', () => {
    const h = netflowHarness();
    const [r] = h.feed(
      buildNetflowV5({ sysUptime: 1_000, unixSecs: SECS }, [flow({ first: 0xffffffff - 999, last: 500 })]),
    );
    expect(Date.parse(r.start)).toBe(SECS * 1000 - 2_000);
    expect(Date.parse(r.end)).toBe(SECS * 1000 - 500);
  });

  it('rejects counts out of 1..30 and lengths that do not match the count', () => {
    const h = netflowHarness();
    const ok = buildNetflowV5({ sysUptime: 1, unixSecs: SECS }, [flow(), flow()]);
    h.feed(buildNetflowV5({ sysUptime: 1, unixSecs: SECS, count: 0 }, []));
    h.feed(buildNetflowV5({ sysUptime: 1, unixSecs: SECS, count: 31 }, [flow()]));
    h.feed(ok.subarray(0, ok.length - 1));
    h.feed(Buffer.concat([ok, Buffer.alloc(4)]));
    h.feed(ok.subarray(0, 20));
    expect(h.rejected('bad-count')).toBe(2);
    expect(h.rejected('truncated')).toBe(2);
    expect(h.rejected('bad-length')).toBe(1);
    expect(h.records).toHaveLength(0);
  });

  it('estimates lost flows from flow_sequence, across wrap-around and restarts', () => {
    const h = netflowHarness();
    const send = (sequence: number, n: number, sysUptime = 50_000): void => {
      h.feed(
        buildNetflowV5(
          { sysUptime, unixSecs: SECS, sequence },
          Array.from({ length: n }, () => flow()),
        ),
      );
    };
    send(0xffffffff - 9, 10); // next expected: 0 (wrapped)
    send(0, 30);
    send(60, 30); // 30 lost
    send(90, 5);
    send(3, 5, 1_000); // uptime went back: exporter restart, not loss
    send(8, 5, 2_000);
    const [c] = h.collector.exporterCounters();
    expect(c).toMatchObject({ exporter: '192.0.2.1', received: 85, lost: 30, resets: 1 });
  });

  it('keeps separate sequence spaces per engine and per exporter', () => {
    const h = netflowHarness();
    h.feed(buildNetflowV5({ sysUptime: 5, unixSecs: SECS, sequence: 0, engineId: 1 }, [flow()]));
    h.feed(buildNetflowV5({ sysUptime: 5, unixSecs: SECS, sequence: 500, engineId: 2 }, [flow()]));
    h.feed(buildNetflowV5({ sysUptime: 6, unixSecs: SECS, sequence: 1, engineId: 1 }, [flow()]));
    h.feed(buildNetflowV5({ sysUptime: 6, unixSecs: SECS, sequence: 501, engineId: 2 }, [flow()]));
    h.feed(buildNetflowV5({ sysUptime: 6, unixSecs: SECS, sequence: 7 }, [flow()]), '192.0.2.2');
    expect(h.collector.streamCounters().map((s) => s.lost)).toEqual([0, 0, 0]);
    expect(h.collector.exporterCounters().map((e) => [e.exporter, e.received])).toEqual([
      ['192.0.2.1', 4],
      ['192.0.2.2', 1],
    ]);
  });

  it('never mixes exporters in one batch', () => {
    const h = netflowHarness();
    const buf = buildNetflowV5({ sysUptime: 5, unixSecs: SECS }, [flow()]);
    h.collector.handle(buf, '192.0.2.1');
    h.collector.handle(buf, '192.0.2.2'); // flushes the first exporter's record first
    expect(h.records.map((r) => r.exporter)).toEqual(['192.0.2.1']);
    h.collector.flush();
    expect(h.records.map((r) => r.exporter)).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});
