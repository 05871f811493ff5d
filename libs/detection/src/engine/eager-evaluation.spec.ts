import { BruteForceDetector, BruteForceState } from './brute-force.detector';
import { DEFAULT_DETECTION_CONFIG } from './detection-config';
import type { Detection } from './detection';
import type { Finding } from './finding';
import { EngineHarness, MIN, SYN, T0, ipAt, webFlow } from './testing/flow-factory';

const VM = '10.1.0.5';
const S = 1000;

/** Horizontal scan from the VM: SYNs to port 23 of hosts from..to-1, one a second from `t`. */
function scan(h: EngineHarness, t: number, from: number, to: number): void {
  for (let k = from; k < to; k++)
    h.add({
      t: t + (k - from) * S,
      src: VM,
      dst: ipAt('203.0.113.1', k),
      srcPort: 41000 + k,
      dstPort: 23,
      flags: SYN,
      srcVm: 0,
    });
}

/** An ordinary established flow of the VM (closes its source side's bucket when newer). */
function chatter(h: EngineHarness, t: number): void {
  h.add(webFlow(t, VM, 0));
}

/** SSH sessions from one attacker to the VM, sizes spread over 11-47 packets (not alike). */
function sessions(h: EngineHarness, t: number, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const pk = 11 + ((k * 6) % 42);
    h.add({
      t: t + (k - from) * S,
      src: '192.0.2.50',
      dst: VM,
      srcPort: 20000 + k,
      dstPort: 22,
      packets: pk,
      bytes: pk * 150,
      flags: 0x1b,
      dstVm: 0,
    });
  }
}

const brief = (fs: Finding[]) =>
  fs.map((f) => ({
    id: f.id,
    status: f.status,
    updates: f.updates,
    subkind: f.subkind,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    counts: f.counts,
  }));

describe('eager evaluation of the open bucket', () => {
  it('reports a scan crossing 25 hosts mid-minute from the process() call carrying the 25th, no record of the next minute needed', () => {
    const h = new EngineHarness();
    scan(h, T0 + 10 * S, 0, 24); // minute 0, 10-33 s
    h.flush();
    expect(h.findings).toEqual([]);
    scan(h, T0 + 40 * S, 24, 25);
    h.flush();
    expect(brief(h.of('port-scan'))).toMatchObject([
      { status: 'active', updates: 1, subkind: 'horizontal', counts: { distinctPeers: 25 } },
    ]);
    // No window step was taken: the bucket is still open.
    expect(h.engine.stats()).toMatchObject({ evaluations: 0, eagerEvaluations: 1 });
  });

  it('reports the 30th login-sized session and a one-peer SYN flood crossing mid-minute at once', () => {
    const h = new EngineHarness();
    sessions(h, T0 + 5 * S, 0, 29);
    // SYN flood toward one host: 100 SYNs every 0.5 s; the 10th record brings 200/s over 5 s.
    for (let k = 0; k < 9; k++)
      h.add({
        t: T0 + 20 * S + k * 500,
        src: VM,
        dst: '198.51.100.7',
        srcPort: 30000 + k,
        dstPort: 80,
        packets: 100,
        bytes: 4000,
        flags: SYN,
        srcVm: 0,
      });
    h.flush();
    expect(h.findings).toEqual([]);
    sessions(h, T0 + 40 * S, 29, 30);
    h.add({
      t: T0 + 24_500,
      src: VM,
      dst: '198.51.100.7',
      srcPort: 30009,
      dstPort: 80,
      packets: 120,
      bytes: 4800,
      flags: SYN,
      srcVm: 0,
    });
    h.flush();
    expect(h.summary()).toEqual(['vm-0 source flood/syn-flood', 'vm-0 target brute-force/ssh']);
    expect(h.findings.map((f) => [f.kind, f.status, f.updates, f.rule.name])).toEqual(
      expect.arrayContaining([
        ['brute-force', 'active', 1, 'brute-force.one-to-one'],
        ['flood', 'active', 1, 'flood.peer-syn'],
      ]),
    );
    expect(h.engine.stats().evaluations).toBe(0);
  });

  it('spaces eager looks at one side: a second crossing within the interval waits for it', () => {
    let now = 1000;
    const h = new EngineHarness({}, { monotonicClock: () => now });
    // Both sides of VM 0 are busy: the target side crosses brute force first.
    sessions(h, T0 + 5 * S, 0, 30);
    h.flush();
    expect(h.summary()).toEqual(['vm-0 target brute-force/ssh']);
    // The same (target) side crosses another rule 100 ms later: a vertical scan from one host.
    now += 100;
    for (let p = 0; p < 15; p++)
      h.add({
        t: T0 + 36 * S + p,
        src: '192.0.2.77',
        dst: VM,
        srcPort: 50000,
        dstPort: 1000 + p,
        flags: SYN,
        dstVm: 0,
      });
    h.flush();
    expect(h.of('port-scan')).toEqual([]);
    // Nothing new arrives; the engine's timer (advance) reports it once the 250 ms have passed.
    now += 100;
    h.engine.advance(T0 + 37 * S);
    expect(h.of('port-scan')).toEqual([]);
    now += 100;
    h.engine.advance(T0 + 37 * S);
    expect(brief(h.of('port-scan'))).toMatchObject([{ status: 'active', updates: 1, subkind: 'vertical' }]);
    expect(h.engine.stats()).toMatchObject({ evaluations: 0, eagerEvaluations: 2 });
  });

  it('re-emits an active incident at most once per window step however many records follow in the bucket', () => {
    let now = 0;
    const h = new EngineHarness({}, { monotonicClock: () => now });
    scan(h, T0 + 5 * S, 0, 25);
    h.flush();
    expect(h.of('port-scan')).toHaveLength(1);
    // The scan goes on through minute 0, one batch a second (wall) apart: no new update.
    for (let k = 25; k < 75; k++) {
      now += 1000;
      scan(h, T0 + 5 * S + k * 500, k, k + 1);
      h.flush();
    }
    expect(h.of('port-scan')).toHaveLength(1);
    // Minute 0 closes (the eager update was this step's) and minute 1 goes on; its close updates.
    scan(h, T0 + MIN + 5 * S, 100, 130);
    h.flush();
    expect(h.of('port-scan')).toHaveLength(1);
    expect(h.of('port-scan')[0].counts.distinctPeers).toBe(25);
    chatter(h, T0 + 2 * MIN + 5 * S);
    h.flush();
    const fs = h.of('port-scan');
    expect(fs.map((f) => [f.status, f.updates])).toEqual([
      ['active', 1],
      ['active', 2],
    ]);
    expect(new Set(fs.map((f) => f.id)).size).toBe(1);
    expect(fs[1].counts.distinctPeers).toBe(105);
    expect(h.engine.stats().eagerEvaluations).toBe(1);
  });

  it('changes only when an incident is first reported: ids, updates and the end after the quiet steps stay as at the close', () => {
    const eager = new EngineHarness();
    const atClose = new EngineHarness();
    for (const h of [eager, atClose]) {
      scan(h, T0 + 10 * S, 0, 24);
      h.flush();
      scan(h, T0 + 40 * S, 24, 25);
      // Eager: the 25th host alone in its batch. At the close: with the VM's first record of minute 1.
      if (h === eager) h.flush();
      chatter(h, T0 + MIN + 5 * S);
      h.finish(T0 + 30 * MIN);
    }
    expect(eager.engine.stats().eagerEvaluations).toBe(1);
    expect(atClose.engine.stats().eagerEvaluations).toBe(0);
    const fs = eager.of('port-scan');
    expect(brief(fs)).toEqual(brief(atClose.of('port-scan')));
    expect(fs.at(-1)?.status).toBe('ended');
    expect(fs.slice(0, -1).every((f) => f.status === 'active')).toBe(true);
    expect(fs.map((f) => f.updates)).toEqual(fs.map((_, i) => i + 1));
  });

  it('an eager false alarm is ended after the quiet steps', () => {
    // 25 probes mid-minute 0, then answers to all of them before minute 0 closes: the step's
    // evaluation no longer fires, so the incident opened eagerly ends after endQuietBuckets steps.
    const h = new EngineHarness();
    scan(h, T0 + 10 * S, 0, 25);
    h.flush();
    expect(h.of('port-scan')).toHaveLength(1);
    for (let k = 0; k < 25; k++)
      h.add({
        t: T0 + 45 * S,
        src: ipAt('203.0.113.1', k),
        dst: VM,
        srcPort: 23,
        dstPort: 41000 + k,
        packets: 6,
        bytes: 900,
        flags: 0x1b,
        dstVm: 0,
      });
    h.finish(T0 + 30 * MIN);
    expect(h.of('port-scan').map((f) => [f.status, f.updates])).toEqual([
      ['active', 1],
      ['ended', 2],
    ]);
    expect(h.engine.stats().activeIncidents).toBe(0);
  });

  it('leaves rules that need the whole bucket to its close: the alike-session rule is not judged eagerly', () => {
    const cfg = DEFAULT_DETECTION_CONFIG;
    const st = new BruteForceState(cfg.limits.bruteRows, 8);
    const peer = Uint32Array.of(0xc0000232);
    const bucket = Math.floor(T0 / MIN);
    for (let k = 0; k < 11; k++) st.attempt(peer, 0, 4, 22, -1, bucket, bucket - 4, 40000 + k, 1, 22, 3300);
    const det = new BruteForceDetector(cfg);
    const run = (eager: boolean) => {
      const out: Detection[] = [];
      det.evaluate(
        st,
        'target',
        { from: bucket - 4, to: bucket, bucketMs: MIN, current: true, purgeBefore: -Infinity, eager },
        out,
      );
      return out.map((d) => d.ruleName);
    };
    expect(run(false)).toEqual(['brute-force.one-to-one-alike']);
    expect(run(true)).toEqual([]);
  });
});
