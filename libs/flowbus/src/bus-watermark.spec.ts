import { FlowBatch } from '@sg/flows/flow-batch';
import { BusWatermark, newestEventMs, ORIGIN_STALE_MS, PARTITION_STALL_MS } from './bus-watermark';
import { decodeFlows, encodeFlows, flowOrigin } from './flow-codec';
import { FlowPublisher } from './flow-publisher';

const T = 1_700_000_000_000;
const MIN = 60_000;

describe('newestEventMs', () => {
  it('is the newest end time, the start time where a record has no end', () => {
    const b = new FlowBatch(4);
    for (const [s, e] of [
      [T, T + 5],
      [T + 50, 0],
      [T + 1, T + 20],
    ]) {
      const i = b.next();
      b.startMs[i] = s;
      b.endMs[i] = e;
    }
    expect(newestEventMs(b)).toBe(T + 50);
    expect(newestEventMs(new FlowBatch(1))).toBe(0);
  });
});

describe('BusWatermark: the slowest owned partition still delivering bounds the clock', () => {
  let wall = 0;
  const clock = () => new BusWatermark([0, 3, 6], () => wall);
  beforeEach(() => (wall = 1_000_000));

  it('a partition running ahead is held to the one replaying behind it', () => {
    const w = clock();
    // Partition 3 replays at T+1min with 100 messages to go; partition 0 runs 10 minutes ahead.
    expect(w.message(3, T + MIN, 100, 0, 0, 0)).toBe(T + MIN);
    expect(w.message(0, T + 10 * MIN, 50, 0, 0, 0)).toBe(T + MIN);
    expect(w.message(0, T + 11 * MIN, 49, 0, 0, 0)).toBe(T + MIN);
    // The slow one moves on: so does the bound, never past the slowest.
    expect(w.message(3, T + 4 * MIN, 99, 0, 0, 0)).toBe(T + 4 * MIN);
    expect(w.message(3, T + 12 * MIN, 98, 0, 0, 0)).toBe(T + 11 * MIN);
  });

  it('a caught-up (nothing pending) partition holds no one back; once every partition is, there is no bound', () => {
    const w = clock();
    w.message(3, T + MIN, 10, 0, 0, 0);
    // Partition 0 delivered its last message (pending 0): live records of its VMs wait for partition 3.
    expect(w.message(0, T + 10 * MIN, 0, 0, 0, 0)).toBe(T + MIN);
    // Partition 3's last message: nobody pending any more.
    expect(w.message(3, T + 2 * MIN, 0, 0, 0, 0)).toBe(0);
    expect(w.partitions()).toBe(0);
  });

  it('a partition with messages pending and none delivered yet holds the clock where it is', () => {
    const w = clock();
    w.setPending(6, 40);
    // 1 ms: below any record, so the engine keeps its clock (DetectionEngine.process).
    expect(w.message(0, T + MIN, 5, 0, 0, 0)).toBe(1);
    expect(w.message(6, T + 30_000, 39, 0, 0, 0)).toBe(T + 30_000);
  });

  it('a partition whose pull waited too long (stalled) holds no one back, one waiting for detection (room) does', () => {
    const w = clock();
    w.message(3, T + MIN, 10, 0, 0, 0);
    w.waiting(3, true);
    wall += PARTITION_STALL_MS - 1;
    expect(w.message(0, T + 10 * MIN, 10, 0, 0, 0)).toBe(T + MIN);
    wall += 1;
    // Stalled: the bound is partition 0's own (still pending) event time.
    expect(w.message(0, T + 11 * MIN, 9, 0, 0, 0)).toBe(T + 11 * MIN);
    // It takes a message (then waits on detection's room, not on the server): it holds again.
    w.waiting(3, false);
    wall += 10 * PARTITION_STALL_MS;
    expect(w.message(0, T + 12 * MIN, 8, 0, 0, 0)).toBe(T + MIN);
  });

  it('partitions it does not own are ignored', () => {
    const w = clock();
    w.setPending(5, 100);
    expect(w.message(5, T, 100, 0, 0, 0)).toBe(0);
    expect(w.message(0, T + MIN, 0, 0, 0, 0)).toBe(0);
  });
});

describe('BusWatermark: the publishing collectors’ uploads bound the clock', () => {
  const at = 5_000_000;

  it('the lowest watermark of the collectors that spoke lately, combined (min) with the partitions', () => {
    const w = new BusWatermark([0, 1], () => 0);
    expect(w.message(0, T + 5 * MIN, 0, 11, T + 3 * MIN, at)).toBe(T + 3 * MIN);
    // Collector 22 has an upload further behind: it bounds batches from collector 11 too.
    expect(w.message(1, T + 2 * MIN, 0, 22, T + 2 * MIN, at + 10)).toBe(T + 2 * MIN);
    expect(w.message(0, T + 6 * MIN, 0, 11, T + 6 * MIN, at + 20)).toBe(T + 2 * MIN);
    // Partition 1 (at T+2min) replays behind every collector: the partition bound wins.
    expect(w.message(1, T + MIN, 5, 22, T + 4 * MIN, at + 30)).toBe(T + 2 * MIN);
  });

  it('a collector that says nothing (UDP, watermark 0) or went quiet holds no one back', () => {
    const w = new BusWatermark([0], () => 0);
    expect(w.message(0, T, 0, 11, T - MIN, at)).toBe(T - MIN);
    expect(w.message(0, T, 0, 22, 0, at + 1)).toBe(T - MIN);
    expect(w.message(0, T, 0, 22, 0, at + ORIGIN_STALE_MS)).toBe(T - MIN);
    expect(w.message(0, T, 0, 22, 0, at + ORIGIN_STALE_MS + 1)).toBe(0);
    // An older message (replayed) does not overwrite what a collector said later.
    expect(w.message(0, T, 0, 11, T + MIN, at + ORIGIN_STALE_MS + 2)).toBe(T + MIN);
    expect(w.message(0, T, 0, 11, T - 5 * MIN, at + 5)).toBe(T + MIN);
  });

  it('a version-1 message (origin 0) bounds only its own batch', () => {
    const w = new BusWatermark([0], () => 0);
    expect(w.message(0, T, 0, 0, T - MIN, at)).toBe(T - MIN);
    expect(w.message(0, T, 0, 0, 0, at)).toBe(0);
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
