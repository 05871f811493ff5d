import { FlowBatch } from '@sg/flows/flow-batch';
import { BusWatermark, ORIGIN_STALE_MS } from './bus-watermark';
import { decodeFlows, encodeFlows, flowOrigin } from './flow-codec';
import { FlowPublisher } from './flow-publisher';

const T = 1_700_000_000_000;
const MIN = 60_000;

describe('BusWatermark: the publishing collectors’ uploads bound the clock', () => {
  const at = 5_000_000;

  it('the lowest watermark of the collectors that spoke lately', () => {
    const w = new BusWatermark();
    expect(w.message(11, T + 3 * MIN, at)).toBe(T + 3 * MIN);
    // Collector 22 has an upload further behind: it bounds batches from collector 11 too.
    expect(w.message(22, T + 2 * MIN, at + 10)).toBe(T + 2 * MIN);
    expect(w.message(11, T + 6 * MIN, at + 20)).toBe(T + 2 * MIN);
    expect(w.message(22, T + 4 * MIN, at + 30)).toBe(T + 4 * MIN);
  });

  it('a collector that says nothing (UDP, watermark 0) or went quiet holds no one back', () => {
    const w = new BusWatermark();
    expect(w.message(11, T - MIN, at)).toBe(T - MIN);
    expect(w.message(22, 0, at + 1)).toBe(T - MIN);
    expect(w.message(22, 0, at + ORIGIN_STALE_MS)).toBe(T - MIN);
    expect(w.message(22, 0, at + ORIGIN_STALE_MS + 1)).toBe(0);
    // An older message (replayed) does not overwrite what a collector said later.
    expect(w.message(11, T + MIN, at + ORIGIN_STALE_MS + 2)).toBe(T + MIN);
    expect(w.message(11, T - 5 * MIN, at + 5)).toBe(T + MIN);
  });

  it('a version-1 message (origin 0) bounds only its own batch', () => {
    const w = new BusWatermark();
    expect(w.message(0, T - MIN, at)).toBe(T - MIN);
    expect(w.message(0, 0, at)).toBe(0);
  });
});

describe('the uploads watermark crosses the bus', () => {
  it("a collector's publisher writes its uploads' watermark and its origin into every message", async () => {
    const got: { wm: number; origin: number; n: number }[] = [];
    let uploads = T + 7 * MIN;
    const p = new FlowPublisher(
      (_subject, payload) => {
        const into = new FlowBatch(16);
        const n = decodeFlows(payload, into);
        got.push({ wm: into.watermarkMs, origin: flowOrigin(payload), n });
        return Promise.resolve();
      },
      {
        partitions: 2,
        subjectPrefix: 'sg.flows',
        partitionOfSlot: () => Int16Array.from([0, 1]),
        watermark: () => uploads,
      },
    );
    const b = new FlowBatch(2);
    for (const vm of [0, 1]) {
      const i = b.next();
      b.srcVm[i] = vm;
      b.direction[i] = 2;
      b.endMs[i] = T + 8 * MIN;
    }
    p.consume(b);
    p.flush();
    uploads = 0;
    p.consume(b);
    await p.close();
    expect(got.map((g) => [g.wm, g.n])).toEqual([
      [T + 7 * MIN, 1],
      [T + 7 * MIN, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(new Set(got.map((g) => g.origin)).size).toBe(1);
    expect(got[0].origin).not.toBe(0);
  });

  it('encodeFlows carries the batch watermark and the origin (0 watermark: none)', () => {
    const b = new FlowBatch(1);
    b.next();
    b.watermarkMs = T;
    const into = new FlowBatch(1);
    decodeFlows(encodeFlows(b, 0, 0xfeedbeef), into);
    expect(into.watermarkMs).toBe(T);
    expect(flowOrigin(encodeFlows(b, 0, 0xfeedbeef))).toBe(0xfeedbeef);
    b.watermarkMs = -5;
    decodeFlows(encodeFlows(b, 0, 1), into);
    expect(into.watermarkMs).toBe(0);
  });
});
