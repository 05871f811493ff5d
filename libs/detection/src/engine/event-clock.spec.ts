import { MIN, SYN, T0, EngineHarness, sshBruteForce, type TestFlow } from './testing/flow-factory';
import type { Finding } from './finding';

const VM = '10.1.0.5';
const OTHER = '10.1.0.6';

/** What a case keeps of the findings: per finding, its last counts and the largest figure its rule observed. */
function outcome(findings: Finding[]): string[] {
  const last = new Map<string, Finding>();
  const most = new Map<string, number>();
  for (const f of findings) {
    last.set(f.id, f);
    most.set(f.id, Math.max(most.get(f.id) ?? 0, f.rule.observed));
  }
  return [...last.values()]
    .map(
      (f) =>
        `${f.vmId} ${f.role} ${f.kind} ${f.rule.name}<=${most.get(f.id)} flows=${f.counts.flows} updates=${f.updates}`,
    )
    .sort();
}

/** Records of an SSH brute force on VM slot 0 (one upload) and web traffic of VM slot 1 (another upload). */
function streams(): { a: TestFlow[]; b: TestFlow[] } {
  const collect = new EngineHarness();
  const a: TestFlow[] = [];
  const add = collect.add.bind(collect);
  collect.add = (f: TestFlow) => {
    a.push(f);
    return add(f);
  };
  sshBruteForce(collect, T0 + 20_000, 12, VM);
  const b: TestFlow[] = [];
  for (let t = T0; t < T0 + 30 * MIN; t += 2_000)
    b.push({
      t,
      dur: 500,
      src: '198.51.100.9',
      dst: OTHER,
      srcPort: 50000,
      dstPort: 443,
      packets: 8,
      bytes: 4000,
      dstVm: 1,
    });
  return { a, b };
}

describe('DetectionEngine event clock', () => {
  it('gives the same findings when another upload runs minutes ahead, given the uploads’ watermark', () => {
    const { a, b } = streams();
    // Reference: both uploads' records in event-time order.
    const ref = new EngineHarness();
    for (const f of [...a, ...b].sort((x, y) => x.t - y.t)) ref.add(f);
    ref.finish(T0 + 60 * MIN);
    expect(ref.of('brute-force').length).toBeGreaterThan(0);

    // Upload B is 8 minutes of event time ahead of upload A; each batch says how far both got.
    const skewed = new EngineHarness();
    const batch = skewed['batch'] as { watermarkMs: number; flush(): void };
    let ia = 0;
    let ib = 0;
    let doneA = 0;
    let doneB = 0;
    for (let step = T0; ia < a.length || ib < b.length; step += 20_000) {
      for (; ia < a.length && a[ia].t < step; ia++) doneA = skewed.add(a[ia]) && a[ia].t;
      batch.watermarkMs = Math.min(ia < a.length ? doneA : Infinity, ib < b.length ? doneB : Infinity);
      skewed.flush();
      for (; ib < b.length && b[ib].t < step + 8 * MIN; ib++) doneB = skewed.add(b[ib]) && b[ib].t;
      batch.watermarkMs = Math.min(ia < a.length ? doneA : Infinity, ib < b.length ? doneB : Infinity);
      skewed.flush();
    }
    skewed.finish(T0 + 60 * MIN);
    expect(skewed.engine.stats().lateDropped).toBe(0);
    expect(outcome(skewed.findings)).toEqual(outcome(ref.findings));
  });

  it('a wall-clock tick while an upload of hour-old records goes on changes nothing; once the input is quiet it ends what stopped', () => {
    const { a } = streams();
    const ref = new EngineHarness();
    for (const f of a) ref.add(f);
    ref.finish(T0 + 60 * MIN);

    // The upload arrives two hours after the fact; the detection thread's timer ticks between its batches.
    let wall = T0 + 2 * 60 * MIN;
    const ticked = new EngineHarness({}, { wallClock: () => wall });
    for (let k = 0; k < a.length; k++) {
      ticked.add(a[k]);
      if (k % 50 === 49) {
        ticked.flush();
        wall += 1_000;
        ticked.engine.advanceIdle(wall, 10_000);
      }
    }
    ticked.flush();
    const open = outcome(ticked.findings);
    expect(ticked.findings.every((f) => f.status !== 'ended')).toBe(true);
    expect(ticked.engine.stats().evicted).toBe(0);
    // Quiet input: the next tick moves the clock to the wall clock and the incident ends.
    wall += 5_000;
    ticked.engine.advanceIdle(wall, 10_000);
    expect(ticked.findings.some((f) => f.status === 'ended')).toBe(false);
    wall += 10_000;
    ticked.engine.advanceIdle(wall, 10_000);
    expect(ticked.findings.at(-1)?.status).toBe('ended');
    expect(outcome(ticked.findings)).toEqual(outcome(ref.findings));
    expect(open.length).toBe(outcome(ref.findings).length);
  });

  it('a VM side waits for the slower upload before it moves to the next minute: a flood keeps its whole minute', () => {
    // Upload A: a SYN flood from VM slot 0 to one outside host over 08:00:10-08:01:50 (300/s).
    const flood: TestFlow[] = [];
    for (let t = T0 + 10_000; t < T0 + 110_000; t += 1_000)
      for (let k = 0; k < 300; k++)
        flood.push({ t, src: VM, dst: '203.0.113.7', srcPort: 1024 + k, dstPort: 80, flags: SYN, bytes: 44, srcVm: 0 });
    // Upload B: the same VM's ordinary web requests, running 25 s of event time ahead of upload A.
    const web: TestFlow[] = [];
    for (let t = T0; t < T0 + 3 * MIN; t += 1_000)
      web.push({ t, src: VM, dst: '198.51.100.20', srcPort: 50000, dstPort: 443, flags: 0x1b, packets: 6, srcVm: 0 });

    const run = (watermark: boolean): Finding[] => {
      const h = new EngineHarness();
      const batch = h['batch'] as { watermarkMs: number };
      let ia = 0;
      let ib = 0;
      for (let step = T0; ia < flood.length || ib < web.length; step += 5_000) {
        for (; ib < web.length && web[ib].t < step + 25_000; ib++) h.add(web[ib]);
        // What both uploads reached: upload A is the slower one while it lasts.
        batch.watermarkMs = watermark ? (ia < flood.length ? step : step + 25_000) : 0;
        h.flush();
        for (; ia < flood.length && flood[ia].t < step; ia++) h.add(flood[ia]);
        h.flush();
      }
      h.finish(T0 + 30 * MIN);
      return h.of('flood', 'source');
    };
    const ref = new EngineHarness();
    for (const f of [...flood, ...web].sort((x, y) => x.t - y.t)) ref.add(f);
    ref.finish(T0 + 30 * MIN);
    const want = ref.of('flood', 'source').at(-1)!;
    expect(want.counts.flows).toBe(300 * 50); // 08:01:00-08:01:49, the busier of its two minutes

    const held = run(true).at(-1)!;
    expect(held.counts).toEqual(want.counts);
    // Without the uploads' watermark the side moves on with upload B and the flood's records of
    // the minute that come after are late: the figures fall short (what the hold prevents).
    expect(run(false).at(-1)!.counts.flows).toBeLessThan(want.counts.flows);
  });

  it('a finding keeps the largest figures its incident reached: they do not fall as the attack winds down', () => {
    const h = new EngineHarness();
    sshBruteForce(h, T0 + 20_000, 12, VM);
    h.finish(T0 + 60 * MIN);
    const updates = h.of('brute-force', 'target');
    expect(updates.length).toBeGreaterThan(3);
    for (let i = 1; i < updates.length; i++) {
      for (const k of ['flows', 'packets', 'bytes', 'distinctPeers', 'distinctPorts'] as const)
        expect(updates[i].counts[k]).toBeGreaterThanOrEqual(updates[i - 1].counts[k]);
    }
  });
});
