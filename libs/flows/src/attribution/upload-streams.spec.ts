import { FlowBatch } from '../flow-batch';
import { UploadStreams } from './upload-streams';

const MIN = 60_000;
const T0 = Date.UTC(2024, 5, 3, 8, 0, 0);

/** A batch of records ending at the given event times. */
function batch(...ends: number[]): FlowBatch {
  const b = new FlowBatch(16);
  for (const t of ends) {
    const i = b.next();
    b.startMs[i] = t - 1000;
    b.endMs[i] = t;
  }
  return b;
}

describe('UploadStreams', () => {
  let wall = 1_000_000;
  const now = () => wall;
  beforeEach(() => (wall = 1_000_000));

  it('holds an upload that ran ahead of another going on until that one caught up', async () => {
    const u = new UploadStreams(30_000, now);
    const fast = u.open();
    const slow = u.open();
    u.note(slow, batch(T0 + MIN));
    u.note(fast, batch(T0 + 10 * MIN, T0 + 4 * MIN));
    expect(fast.eventMs).toBe(T0 + 10 * MIN);
    // Before this rule the fast upload went on and the slow one's records came 9 minutes late.
    expect(u.ahead(fast)).toBe(true);
    expect(u.ahead(slow)).toBe(false);
    expect(u.watermark()).toBe(T0 + MIN);
    let released = false;
    const wait = u.aligned(fast)!.then(() => (released = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(false);
    u.note(slow, batch(T0 + 9 * MIN + 40_000));
    await wait;
    expect(released).toBe(true);
    expect(u.watermark()).toBe(T0 + 9 * MIN + 40_000);
  });

  it('lets an upload go when the other ended, stalled or is a backfill far behind', async () => {
    const u = new UploadStreams(30_000, now);
    const a = u.open();
    const b = u.open();
    u.note(a, batch(T0 + 5 * MIN));
    u.note(b, batch(T0 + MIN));
    expect(u.ahead(a)).toBe(true);
    // b's client sends nothing for a while: it holds no one back.
    wall += 5_000;
    u.touch(a);
    expect(u.ahead(a)).toBe(false);
    u.touch(b);
    expect(u.ahead(a)).toBe(true);
    // b waiting for detection to catch up is held by us, not stalled: it still holds a back.
    let free!: () => void;
    const held = u.hold(b, new Promise<void>((r) => (free = r)));
    wall += 5_000;
    u.touch(a);
    expect(u.ahead(a)).toBe(true);
    expect(u.watermark()).toBe(T0 + MIN);
    free();
    await held;
    u.close(b);
    expect(u.ahead(a)).toBe(false);
    expect(u.size).toBe(1);
    // Yesterday's logs uploaded beside today's do not hold today's.
    const old = u.open();
    u.note(old, batch(T0 + 5 * MIN - 24 * 60 * MIN));
    expect(u.ahead(a)).toBe(false);
    expect(u.watermark()).toBe(T0 + 5 * MIN);
  });

  it('never holds the slowest upload, so uploads cannot wait for each other in a ring', () => {
    const u = new UploadStreams(30_000, now);
    const s = [u.open(), u.open(), u.open(), u.open()];
    s.forEach((x, k) => u.note(x, batch(T0 + k * 2 * MIN)));
    expect(s.map((x) => u.ahead(x))).toEqual([false, true, true, true]);
    expect(u.aligned(s[0])).toBeUndefined();
  });

  it('reports no watermark before any upload handed records on', () => {
    const u = new UploadStreams(30_000, now);
    u.open();
    expect(u.watermark()).toBe(0);
  });
});
