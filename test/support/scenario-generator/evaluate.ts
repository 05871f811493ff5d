import { DetectionEngine, type DetectionEngineStats } from '../../../libs/detection/src/engine/detection-engine';
import { FINDING_KINDS, type FindingKind } from '@sg/queues/finding-vocabulary';
import type { Finding } from '../../../libs/detection/src/engine/finding';
import { ThreatIntel } from '../../../libs/detection/src/engine/threat-intel';
import type { GeneratedScenarios } from '../scenario-generator';

export interface KindScore {
  kind: FindingKind;
  labels: number;
  detected: number;
  reported: number;
  correct: number;
  recall: number;
  precision: number;
}

export interface GeneratedEvaluation {
  findings: Finding[];
  scores: KindScore[];
  falsePositives: string[];
  misses: string[];
  stats: DetectionEngineStats;
}

/**
 * VM-level scoring of the generated scenarios through a default-config engine: a labelled
 * (VM, role, kind) is detected when a non-suppressed finding with that VM, role and kind was
 * emitted; every other non-suppressed (VM, role, kind) is a false positive.
 */
export function evaluateGenerated(sc: GeneratedScenarios): GeneratedEvaluation {
  const findings: Finding[] = [];
  const engine = new DetectionEngine({
    directory: sc.directory,
    onFinding: (f) => findings.push(f),
    threatIntel: new ThreatIntel(sc.threatLists),
    suppressionRules: sc.suppressionRules,
    wallClock: () => sc.endMs + 3600_000,
  });
  sc.replay((b) => engine.process(b));
  engine.advance(sc.endMs + 30 * 60_000);
  const slotOf = new Map(sc.vms.map((v) => [v.vmId, v.slot]));
  const key = (slot: number, role: string, kind: string) => `${slot}|${role}|${kind}`;
  const reported = new Set<string>();
  for (const f of findings) if (!f.suppressed) reported.add(key(slotOf.get(f.vmId) as number, f.role, f.kind));
  const wanted = new Set(sc.labels.map((l) => key(l.vmSlot, l.role, l.kind)));
  const scores: KindScore[] = FINDING_KINDS.map((kind) => {
    const labels = [...wanted].filter((k) => k.endsWith(`|${kind}`));
    const rep = [...reported].filter((k) => k.endsWith(`|${kind}`));
    const detected = labels.filter((k) => reported.has(k)).length;
    const correct = rep.filter((k) => wanted.has(k)).length;
    return {
      kind,
      labels: labels.length,
      detected,
      reported: rep.length,
      correct,
      recall: labels.length ? detected / labels.length : 1,
      precision: rep.length ? correct / rep.length : 1,
    };
  });
  const name = (k: string) => {
    const [slot, role, kind] = k.split('|');
    return `${sc.vms[Number(slot)].name} ${role} ${kind}`;
  };
  return {
    findings,
    scores,
    falsePositives: [...reported].filter((k) => !wanted.has(k)).map(name),
    misses: [...wanted].filter((k) => !reported.has(k)).map(name),
    stats: engine.stats(),
  };
}
