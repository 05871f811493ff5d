import { generateScenarios, type GeneratedScenarios } from '../../../../test/support/scenario-generator';
import { evaluateGenerated as evaluate } from '../../../../test/support/scenario-generator/evaluate';

describe('scenario evaluation (generated traffic, VM level)', () => {
  it.each([20240603, 7])(
    'seed %i: recall >= 0.98 and precision >= 0.99 for every kind; exceptions suppress, never lose',
    (seed) => {
      const sc = generateScenarios({ seed });
      const r = evaluate(sc);
      if (process.env.SCENARIO_REPORT) {
        console.log(`seed ${seed}: ${sc.records} records, ${sc.vms.length} VMs, ${sc.labels.length} labels`);
        console.table(r.scores.map((s) => ({ ...s, recall: s.recall.toFixed(3), precision: s.precision.toFixed(3) })));
      }
      expect(r.misses).toEqual([]);
      expect(r.falsePositives).toEqual([]);
      for (const s of r.scores) {
        expect(s.recall).toBeGreaterThanOrEqual(0.98);
        expect(s.precision).toBeGreaterThanOrEqual(0.99);
      }
      for (const e of sc.expectSuppressed) {
        const vmId = sc.vms[e.vmSlot].vmId;
        const fs = r.findings.filter((f) => f.vmId === vmId && f.kind === e.kind);
        expect(fs.length).toBeGreaterThan(0);
        expect(fs.every((f) => f.suppressed?.ruleId === e.ruleId)).toBe(true);
      }
      // Every labelled scenario direction is reported as such.
      for (const l of sc.labels) {
        const f = r.findings.find((x) => x.vmId === l.vmId && x.role === l.role && x.kind === l.kind && !x.suppressed);
        expect([l.scenario, f?.direction]).toEqual([l.scenario, l.direction]);
      }
      expect(r.stats.lateDropped).toBe(0);
    },
  );

  it('is deterministic for a seed', () => {
    const a = generateScenarios({ seed: 11, background: 0.2 });
    const b = generateScenarios({ seed: 11, background: 0.2 });
    expect(a.records).toBe(b.records);
    const sig = (s: GeneratedScenarios) => {
      let h = 0;
      s.replay((batch) => {
        for (let i = 0; i < batch.length; i++)
          h = (Math.imul(h, 31) + batch.srcAddr[i << 2] + batch.packets[i] + batch.endMs[i]) | 0;
      });
      return h;
    };
    expect(sig(a)).toBe(sig(b));
  });
});
