import { EngineHarness, MIN, T0, ipAt, sshBruteForce } from '../engine/testing/flow-factory';
import { liveAnswer, ruleWindowFor } from './live-recheck-responder';

const VM = '10.1.0.5';
const S = 1000;
const WINDOW = 30 * S;

/** An outbound SSH scan: 12 new hosts every 10 s, from `start` until `end`. */
function scanEvery10s(h: EngineHarness, start: number, end: number) {
  let n = 0;
  for (let t = start; t < end; t += 10 * S)
    for (let i = 0; i < 12; i++, n++)
      h.add({
        t: t + i,
        src: VM,
        dst: ipAt('198.51.100.1', n),
        srcPort: 40000 + (n % 20000),
        dstPort: 22,
        packets: 1,
        bytes: 60,
        srcVm: 0,
      });
}

const ask = (h: EngineHarness, role: 'source' | 'target', kind: 'port-scan' | 'flood', now: number) => {
  h.engine.advance(now);
  return liveAnswer(h.engine.recheck(0, role, kind, ruleWindowFor(WINDOW), now), WINDOW, now, 'host:1');
};

describe('live re-check answer over RECHECK_WINDOW = 30 s (engine re-check API)', () => {
  it('a scan refreshed every 10 s is present at any second of the minute', () => {
    const h = new EngineHarness();
    scanEvery10s(h, T0, T0 + 10 * MIN);
    h.flush();
    for (const at of [T0 + 4 * MIN + 2 * S, T0 + 6 * MIN + 31 * S, T0 + 9 * MIN + 58 * S]) {
      const a = ask(h, 'source', 'port-scan', at);
      expect(a).toMatchObject({ holds: true, present: true, responder: 'host:1' });
      expect(a.figures).toMatchObject({ firingNow: 'yes', windowSeconds: 30 });
      expect(a.figures.observed).toBeGreaterThanOrEqual(a.figures.threshold as number);
      for (const v of Object.values(a.figures)) expect(['string', 'number']).toContain(typeof v);
    }
  });

  it('the engine asked over 30 s alone judges a running brute force stopped; over the rule window it is present', () => {
    const h = new EngineHarness();
    sshBruteForce(h, T0, 12, VM);
    h.flush();
    const now = T0 + 11 * MIN + 58 * S;
    h.engine.advance(now);
    // What a window of 30 s alone sees: a fraction of the rule's evidence, below its threshold.
    expect(h.engine.recheck(0, 'target', 'brute-force', WINDOW, now).present).toBe(false);
    const a = liveAnswer(h.engine.recheck(0, 'target', 'brute-force', ruleWindowFor(WINDOW), now), WINDOW, now, 'h');
    expect(a).toMatchObject({ holds: true, present: true, figures: { rule: 'brute-force.one-to-one', threshold: 30 } });
    expect(a.figures.flows).toBeGreaterThan(0);
  });

  it('a scan that stopped 2 minutes ago is not present, though its rule window still fires', () => {
    const h = new EngineHarness();
    scanEvery10s(h, T0, T0 + 6 * MIN);
    h.flush();
    const a = ask(h, 'source', 'port-scan', T0 + 8 * MIN);
    expect(a).toMatchObject({ holds: true, present: false });
    expect(a.figures).toMatchObject({ firingNow: 'yes', rule: 'port-scan.horizontal' });
    expect(String(a.figures.reason)).toMatch(/last seen before the last 30 s/);
  });

  it('a VM side the engine holds no traffic of settles nothing (holds: false), nor does an unknown VM', () => {
    const h = new EngineHarness();
    scanEvery10s(h, T0, T0 + 2 * MIN);
    h.flush();
    expect(ask(h, 'source', 'flood', T0 + 2 * MIN)).toMatchObject({ holds: true, present: false });
    expect(liveAnswer(h.engine.recheck(99, 'source', 'flood', MIN, T0), WINDOW, T0, 'h')).toMatchObject({
      holds: false,
      present: false,
    });
    expect(liveAnswer(null, WINDOW, T0, 'h', 'VM not known')).toMatchObject({
      holds: false,
      figures: { reason: 'VM not known' },
    });
  });
});
