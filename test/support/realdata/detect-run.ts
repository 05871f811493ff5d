import { PrefixSet, parseIPv4 } from '@sg/common';
import { attributeBatch, type AttributionCounts, type FlowBatch } from '@sg/flows';
import { AddressIndexBuilder } from '../../../libs/inventory/src/address-index';
import { DetectionEngine, type DetectionEngineStats } from '../../../libs/detection/src/engine/detection-engine';
import type { DetectionConfigInput } from '../../../libs/detection/src/engine/detection-config';
import type { Finding } from '../../../libs/detection/src/engine/finding';

/** Validity start of the declared addresses: far before any capture (2009-2026). */
export const FAR_PAST_MS = Date.UTC(2000, 0, 1);

export interface DeclaredVm {
  ip: string;
  name: string;
}

export interface DetectionRun {
  findings: Finding[];
  stats: DetectionEngineStats;
  attribution: AttributionCounts;
  records: number;
  lastEventMs: number;
}

/**
 * Attributes records with an AddressIndex holding the declared VMs (valid from FAR_PAST_MS on),
 * runs them through a DetectionEngine (default config unless given), then advances the engine
 * clock an hour past the last record so every window closes and every incident ends.
 */
export function detect(
  feed: (consume: (b: FlowBatch) => void) => void,
  vms: DeclaredVm[],
  opts: { config?: DetectionConfigInput } = {},
): DetectionRun {
  const builder = new AddressIndexBuilder();
  vms.forEach((v, slot) => builder.addV4(slot, parseIPv4(v.ip), FAR_PAST_MS, Infinity));
  const index = builder.build();
  const internal = new PrefixSet([]);
  const findings: Finding[] = [];
  const engine = new DetectionEngine({
    directory: { describe: (s) => ({ vmId: vms[s]?.name ?? `slot-${s}`, deploymentId: 'lab', subscriptionId: 'lab' }) },
    onFinding: (f) => findings.push(f),
    config: opts.config,
  });
  const attribution: AttributionCounts = { inbound: 0, outbound: 0, internal: 0, unattributed: 0 };
  let records = 0;
  let last = 0;
  feed((b) => {
    attributeBatch(b, index, internal, attribution);
    for (let i = 0; i < b.length; i++) if (b.endMs[i] > last) last = b.endMs[i];
    records += b.length;
    engine.process(b);
  });
  engine.advance(last + 60 * 60_000);
  return { findings, stats: engine.stats(), attribution, records, lastEventMs: last };
}

/** Non-suppressed (role, kind) pairs reported for a VM, e.g. `source port-scan`. */
export function reportedFor(findings: Finding[], vmId: string): string[] {
  const s = new Set<string>();
  for (const f of findings) if (f.vmId === vmId && !f.suppressed) s.add(`${f.role} ${f.kind}`);
  return [...s].sort();
}
