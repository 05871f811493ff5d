import { FlowBatch } from '@sg/flows';
import { DetectionEngine } from './detection-engine';
import type { Finding } from './finding';
import { EngineHarness, MIN, SYN, T0, ipAt } from './testing/flow-factory';

const VM = '10.1.0.5';

/** 8 login-sized SSH sessions a minute from one host, for `minutes` minutes from `start`. */
function bruteForce(h: EngineHarness, start: number, minutes: number, attacker = '192.0.2.50') {
  for (let k = 0; k < minutes * 8; k++) {
    const t = start + k * 7500;
    h.add({
      t,
      dur: 4000,
      src: attacker,
      dst: VM,
      srcPort: 20000 + (k % 40000),
      dstPort: 22,
      packets: 15,
      bytes: 2200,
      dstVm: 0,
    });
    h.add({
      t: t + 1,
      dur: 4000,
      src: VM,
      dst: attacker,
      srcPort: 22,
      dstPort: 20000 + (k % 40000),
      packets: 12,
      bytes: 2600,
      srcVm: 0,
    });
  }
}

function spamRun(h: EngineHarness, start: number, n: number, base = '198.51.100.1') {
  for (let k = 0; k < n; k++)
    h.add({
      t: start + k * 4000,
      src: VM,
      dst: ipAt(base, k),
      srcPort: 30000 + k,
      dstPort: 25,
      packets: 20,
      bytes: 9000,
      srcVm: 0,
    });
}

describe('DetectionEngine', () => {
  describe('findings of an ongoing incident', () => {
    it('keep one id, update at most once per window step, and end once after the attack stops', () => {
      const h = new EngineHarness();
      bruteForce(h, T0, 15);
      h.add({
        t: T0 + 40 * MIN,
        src: '192.0.2.1',
        dst: VM,
        srcPort: 443,
        dstPort: 50000,
        packets: 3,
        bytes: 500,
        dstVm: 0,
      });
      h.finish(T0 + 60 * MIN);
      const fs = h.of('brute-force');
      expect(new Set(fs.map((f) => f.id)).size).toBe(1);
      expect(fs.slice(0, -1).every((f) => f.status === 'active')).toBe(true);
      expect(fs[fs.length - 1].status).toBe('ended');
      expect(fs.map((f) => f.updates)).toEqual(fs.map((_, i) => i + 1));
      // one update per one-minute step at most: 15 minutes of attack + window tail
      expect(fs.length).toBeLessThanOrEqual(15 + 5 + 1);
      expect(new Set(fs.map((f) => f.firstSeen)).size).toBe(1);
      const seen = fs.map((f) => Date.parse(f.lastSeen));
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(Date.parse(fs[0].firstSeen)).toBeGreaterThanOrEqual(T0 - MIN);
    });

    it('a new incident after the first ended gets a new id', () => {
      const h = new EngineHarness();
      bruteForce(h, T0, 6);
      bruteForce(h, T0 + 30 * MIN, 6);
      h.finish(T0 + 90 * MIN);
      const ids = [...new Set(h.of('brute-force').map((f) => f.id))];
      expect(ids.length).toBe(2);
      expect(h.of('brute-force').filter((f) => f.status === 'ended').length).toBe(2);
    });

    it('are plain JSON with identity from the VM directory and at most 5 sample flows and 10 peers', () => {
      const h = new EngineHarness();
      spamRun(h, T0, 80);
      h.finish(T0 + 30 * MIN);
      const f = h.of('spam')[0];
      expect(JSON.parse(JSON.stringify(f))).toEqual(f);
      expect(f).toMatchObject({
        vmId: 'vm-0',
        deploymentId: 'dep-0',
        subscriptionId: 'sub-1',
        role: 'source',
        kind: 'spam',
      });
      expect(f.id).toMatch(/^f-[0-9a-f]{24}$/);
      expect(f.topPeers.length).toBeLessThanOrEqual(10);
      expect(f.sampleFlows.length).toBeGreaterThan(0);
      expect(f.sampleFlows.length).toBeLessThanOrEqual(5);
      expect(f.sampleFlows[0]).toMatchObject({ src: VM, dstPort: 25, protocol: 6 });
    });
  });

  describe('event-time windows', () => {
    it('closes a quiet VM side on advance(), not before', () => {
      const h = new EngineHarness();
      spamRun(h, T0, 60); // 15 servers a minute in minutes 0-3: the 50th arrives in the open minute 3
      h.flush();
      // Minutes 0-2 were closed by newer records; minute 3 is still open, its crossing reported eagerly.
      expect(h.engine.stats().evaluations).toBe(3);
      expect(h.of('spam').map((f) => [f.status, f.updates])).toEqual([['active', 1]]);
      h.engine.advance(T0 + 10 * MIN);
      expect(h.engine.stats().evaluations).toBeGreaterThan(3);
      expect(h.summary()).toEqual(['vm-0 source spam/smtp-fanout']);
      expect(h.of('spam').at(-1)?.status).toBe('ended');
    });

    it('accepts records up to the lateness bound behind the side, counts and drops older ones', () => {
      const late = new EngineHarness();
      const tooLate = new EngineHarness();
      for (const [h, delay] of [
        [late, 100_000],
        [tooLate, 200_000],
      ] as const) {
        // 20 hosts in order, then a record from 3 minutes later, then 10 more hosts stamped `delay` earlier than that
        for (let k = 0; k < 20; k++)
          h.add({
            t: T0 + k * 3000,
            src: VM,
            dst: ipAt('203.0.113.1', k),
            srcPort: 40001,
            dstPort: 23,
            flags: SYN,
            srcVm: 0,
          });
        h.add({
          t: T0 + 4 * MIN,
          src: VM,
          dst: '198.18.0.1',
          srcPort: 40002,
          dstPort: 443,
          packets: 10,
          bytes: 5000,
          srcVm: 0,
        });
        for (let k = 20; k < 30; k++)
          h.add({
            t: T0 + 4 * MIN - delay,
            src: VM,
            dst: ipAt('203.0.113.1', k),
            srcPort: 40001,
            dstPort: 23,
            flags: SYN,
            srcVm: 0,
          });
        h.finish(T0 + 30 * MIN);
      }
      expect(late.summary()).toEqual(['vm-0 source port-scan/horizontal']);
      expect(late.engine.stats().lateAccepted).toBe(10);
      expect(tooLate.summary()).toEqual([]);
      expect(tooLate.engine.stats().lateDropped).toBe(10);
    });

    it('a side fed minutes late (cloud logs behind NetFlow) keeps one incident, ended only after it stops', () => {
      const h = new EngineHarness();
      // Delivery minute m brings NetFlow records of minute m (another VM) and cloud records of minute m - 8.
      for (let m = 0; m < 50; m++) {
        for (let k = 0; k < 20; k++)
          h.add({
            t: T0 + m * MIN + k * 3000,
            src: '10.1.0.9',
            dst: '198.51.100.1',
            srcPort: 40000 + k,
            dstPort: 443,
            packets: 10,
            bytes: 5000,
            flags: 0x1b,
            srcVm: 1,
          });
        const lm = m - 8;
        if (lm >= 0 && lm < 20) {
          for (let k = 0; k < 8; k++) {
            const t = T0 + lm * MIN + k * 7500;
            h.add({
              t,
              dur: 4000,
              src: '192.0.2.50',
              dst: VM,
              srcPort: 20000 + lm * 8 + k,
              dstPort: 22,
              packets: 15,
              bytes: 2200,
              dstVm: 0,
            });
          }
        }
        h.flush();
      }
      h.finish(T0 + 120 * MIN);
      const fs = h.of('brute-force');
      expect(new Set(fs.map((f) => f.id)).size).toBe(1);
      expect(fs.filter((f) => f.status === 'ended').length).toBe(1);
      expect(Date.parse(fs.at(-1)?.lastSeen ?? '')).toBeGreaterThanOrEqual(T0 + 19 * MIN);
    });

    it('drops records stamped in the future and counts unattributed ones', () => {
      const h = new EngineHarness({}, { wallClock: () => T0 });
      h.add({ t: T0 + 10 * MIN, src: VM, dst: '198.18.0.1', srcVm: 0 });
      h.add({ t: T0, src: '192.0.2.1', dst: '198.18.0.1' });
      h.add({ t: T0, src: VM, dst: '198.18.0.1', srcVm: 0 });
      h.flush();
      expect(h.engine.stats()).toMatchObject({ future: 1, unattributed: 1, records: 1, tracks: 1 });
    });

    it('evicts idle VM sides and ends their incidents', () => {
      const h = new EngineHarness({ idleTimeoutMs: 10 * MIN });
      spamRun(h, T0, 60);
      h.flush();
      h.engine.advance(T0 + 6 * MIN);
      expect(h.engine.stats().tracks).toBeGreaterThan(0);
      h.engine.advance(T0 + 30 * MIN);
      const st = h.engine.stats();
      expect(st).toMatchObject({ tracks: 0, activeIncidents: 0 });
      expect(st.evicted).toBeGreaterThan(0);
      expect(h.of('spam').at(-1)?.status).toBe('ended');
    });

    it('keeps nothing of the batch: the caller may overwrite it right after process()', () => {
      const findings: Finding[] = [];
      const engine = new DetectionEngine({
        directory: { describe: () => undefined },
        onFinding: (f) => findings.push(f),
        wallClock: () => T0 + 3600_000,
      });
      const b = new FlowBatch(4096);
      for (let k = 0; k < 60; k++) {
        const i = b.next();
        b.setV4(i, 0x0a010005, 0xc6336401 + k);
        b.startMs[i] = b.endMs[i] = T0 + k * 4000;
        b.dstPort[i] = 25;
        b.srcPort[i] = 30000 + k;
        b.proto[i] = 6;
        b.packets[i] = 20;
        b.bytes[i] = 9000;
        b.srcVm[i] = 3;
      }
      engine.process(b);
      b.clear();
      for (let i = 0; i < 4096; i++) b.next();
      b.dstPort.fill(9);
      engine.advance(T0 + 20 * MIN);
      expect(findings[0].vmId).toBe('vm-slot-3');
      expect(findings[0].sampleFlows.every((s) => s.dstPort === 25)).toBe(true);
    });
  });

  describe('exceptions (suppression rules)', () => {
    const relayRule = {
      id: 'exc-1',
      scope: { vmId: 'vm-0' },
      kind: 'spam' as const,
      role: 'source' as const,
      ports: [25],
      reason: 'approved relay',
    };

    it('marks matching findings suppressed, still emits and counts them', () => {
      const h = new EngineHarness({}, { suppressionRules: [relayRule] });
      spamRun(h, T0, 80);
      h.finish(T0 + 30 * MIN);
      const fs = h.of('spam');
      expect(fs.length).toBeGreaterThan(0);
      expect(fs.every((f) => f.suppressed?.ruleId === 'exc-1' && f.suppressed.reason === 'approved relay')).toBe(true);
      expect(h.summary()).toEqual([]);
      expect(h.engine.stats().findingsSuppressed).toBe(fs.length);
    });

    it('applies replaced rules from the next update on, without a restart', () => {
      const h = new EngineHarness({}, { suppressionRules: [relayRule] });
      spamRun(h, T0, 60);
      h.flush();
      h.engine.advance(T0 + 4 * MIN);
      expect(h.of('spam').every((f) => f.suppressed)).toBe(true);
      h.engine.setSuppressionRules([]);
      spamRun(h, T0 + 4 * MIN, 60, '198.51.100.101');
      h.finish(T0 + 30 * MIN);
      const later = h.of('spam').filter((f) => Date.parse(f.lastSeen) > T0 + 5 * MIN);
      expect(later.length).toBeGreaterThan(0);
      expect(later.every((f) => !f.suppressed)).toBe(true);
    });

    it('stops suppressing after expiresAt', () => {
      const h = new EngineHarness({}, { suppressionRules: [{ ...relayRule, expiresAt: T0 + 8 * MIN }] });
      spamRun(h, T0, 200);
      h.finish(T0 + 40 * MIN);
      const fs = h.of('spam');
      expect(fs.some((f) => f.suppressed)).toBe(true);
      expect(fs.some((f) => !f.suppressed)).toBe(true);
      expect(fs.filter((f) => !f.suppressed).every((f) => Date.parse(f.lastSeen) >= T0 + 8 * MIN)).toBe(true);
    });

    it('with peer prefixes, suppresses only when the evidence lies inside them', () => {
      const rules = [{ ...relayRule, peerPrefixes: ['198.51.100.0/24'] }];
      const inside = new EngineHarness({}, { suppressionRules: rules });
      const outside = new EngineHarness({}, { suppressionRules: rules });
      spamRun(inside, T0, 80, '198.51.100.1');
      spamRun(outside, T0, 80, '203.0.113.1');
      inside.finish(T0 + 30 * MIN);
      outside.finish(T0 + 30 * MIN);
      expect(inside.summary()).toEqual([]);
      expect(outside.summary()).toEqual(['vm-0 source spam/smtp-fanout']);
    });
  });

  describe('recheck()', () => {
    it('answers whether the pattern is still present, with the figures', () => {
      const h = new EngineHarness();
      bruteForce(h, T0, 12);
      h.flush();
      const during = h.engine.recheck(0, 'target', 'brute-force', 10 * MIN, T0 + 12 * MIN);
      expect(during).toMatchObject({
        present: true,
        firingNow: true,
        subkind: 'ssh',
        rule: { name: 'brute-force.one-to-one', threshold: 30 },
      });
      expect(during.rule?.observed).toBeGreaterThanOrEqual(30);
      expect(during.incidentId).toBe(h.of('brute-force')[0].id);
      expect(during.topPeers?.[0].ip).toBe('192.0.2.50');
      h.add({
        t: T0 + 40 * MIN,
        src: '192.0.2.1',
        dst: VM,
        srcPort: 443,
        dstPort: 50000,
        packets: 3,
        bytes: 500,
        dstVm: 0,
      });
      h.flush();
      h.engine.advance(T0 + 41 * MIN);
      const after = h.engine.recheck(0, 'target', 'brute-force', 10 * MIN, T0 + 41 * MIN);
      expect(after).toMatchObject({ present: false, firingNow: false });
      expect(h.engine.recheck(99, 'source', 'flood', 10 * MIN, T0).present).toBe(false);
    });
  });

  describe('memory bound', () => {
    it('an inbound SYN flood from 1,000,000 distinct spoofed sources keeps the tracked entries bounded', () => {
      const h = new EngineHarness({}, {});
      const engine = h.engine;
      const b = new FlowBatch(8192);
      const N = 1_000_000;
      let x = 0x12345678;
      for (let k = 0; k < N; k++) {
        const i = b.next();
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        b.setV4(i, (0x0b000000 + (x % 0xc0000000)) >>> 0, 0x0a010005);
        b.startMs[i] = b.endMs[i] = T0 + Math.floor(k / 5); // 5,000 SYN/s over 200 s
        b.srcPort[i] = 1024 + (x & 0x7fff);
        b.dstPort[i] = 443;
        b.proto[i] = 6;
        b.packets[i] = 1;
        b.bytes[i] = 40;
        b.setTcpFlags(i, SYN);
        b.dstVm[i] = 0;
        if (b.length === b.capacity) {
          engine.process(b);
          b.clear();
          expect(engine.stats().trackedEntries).toBeLessThan(5_000);
        }
      }
      engine.process(b);
      engine.advance(T0 + 10 * MIN);
      const st = engine.stats();
      expect(st.records).toBe(N);
      expect(st.trackedEntries).toBeLessThan(5_000);
      expect(st.droppedRows).toBeGreaterThan(N / 2);
      expect(h.summary()).toEqual(['vm-0 target flood/syn-flood']);
    });
  });
});
