import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsVpcParser, AzureFlowLogParser, FlowBatch } from '@sg/flows';
import { FINDING_KINDS, type FindingKind, type FindingRole } from '@sg/queues/finding-vocabulary';
import type { Finding } from '../../../libs/detection/src/engine/finding';
import { detect, type DeclaredVm } from './detect-run';
import { RecordStore } from './record-store';
import { exportPcap } from './softflowd';

/** The labelled scenarios made outside this project (see its README.md). */
export const SHARED_SCENARIOS = join(__dirname, '../../../../shared/scenarios');

export interface SharedLabels {
  vms: Record<string, { name: string; eni: string; mac_azure: string }>;
  scenarios: {
    id: string;
    vm_ip: string;
    role: 'source' | 'target' | 'none';
    kind: string;
    subkind: string;
    description: string;
  }[];
}

/** Label kinds of the scenarios and the product's kinds (scenarios/README.md). */
export const LABEL_KIND: Record<string, FindingKind | null> = {
  port_scan: 'port-scan',
  syn_flood: 'flood',
  udp_flood: 'flood',
  ssh_bruteforce: 'brute-force',
  rdp_bruteforce: 'brute-force',
  dns_amplification: 'amplification',
  ntp_amplification: 'amplification',
  spam: 'spam',
  benign: null,
};

export type SharedForm = 'vpc' | 'nsg' | 'pcap';

export function loadSharedLabels(): SharedLabels {
  return JSON.parse(readFileSync(join(SHARED_SCENARIOS, 'labels.json'), 'utf8')) as SharedLabels;
}

/** Every labelled VM, declared in the inventory for every run. */
export function sharedVms(labels: SharedLabels): DeclaredVm[] {
  return Object.entries(labels.vms).map(([ip, v]) => ({ ip, name: v.name }));
}

/** Reads one scenario file of a form into records (pcap: softflowd IPFIX into the collector). */
export async function loadSharedForm(form: SharedForm, id: string): Promise<RecordStore> {
  const store = new RecordStore();
  if (form === 'pcap') {
    const e = await exportPcap(join(SHARED_SCENARIOS, 'pcap', `${id}.pcap`));
    if (e.lost > 0 || e.rejected > 0) throw new Error(`${id}.pcap: ${e.lost} records lost, ${e.rejected} rejected`);
    return e.store;
  }
  const batch = new FlowBatch(4096, store.add);
  const path = join(SHARED_SCENARIOS, form, `${id}.${form === 'vpc' ? 'log' : 'json'}`);
  const parser = form === 'vpc' ? new AwsVpcParser(batch) : new AzureFlowLogParser(batch);
  const buf = readFileSync(path);
  // Chunks as an upload stream delivers them.
  for (let p = 0; p < buf.length; p += 65536) parser.write(buf.subarray(p, Math.min(buf.length, p + 65536)));
  const res = parser.end();
  if (res.rejected > 0) throw new Error(`${path}: ${res.rejected} rejected: ${JSON.stringify(res.errors[0])}`);
  return store;
}

export interface KindRow {
  kind: FindingKind;
  labels: number;
  detected: number;
  reported: number;
  correct: number;
  recall: number;
  precision: number;
}

export interface ScenarioRow {
  scenario: string;
  vm: string;
  expected: string;
  got: string;
  ok: boolean;
}

export interface SharedEvaluation {
  form: string;
  kinds: KindRow[];
  scenarios: ScenarioRow[];
  /** Non-suppressed (VM, role, kind) findings that no label asks for. */
  falsePositives: string[];
  misses: string[];
  records: number;
}

const key = (vm: string, role: FindingRole | string, kind: string) => `${vm} ${role} ${kind}`;

/**
 * VM-level scoring over one run per scenario file: a label (VM, role, kind) is detected when a
 * non-suppressed finding with that VM, role and kind was emitted in its scenario's run; every
 * other non-suppressed (VM, role, kind) of any run is a false positive (benign VMs must have none).
 */
export function scoreShared(
  form: string,
  labels: SharedLabels,
  runs: { id: string; findings: Finding[]; records: number }[],
): SharedEvaluation {
  const nameOf = (ip: string) => labels.vms[ip].name;
  const wanted = new Set<string>();
  const reported = new Set<string>();
  const scenarios: ScenarioRow[] = [];
  let records = 0;
  for (const run of runs) {
    records += run.records;
    const sc = labels.scenarios.find((s) => s.id === run.id);
    const got = new Set<string>();
    for (const f of run.findings) {
      if (f.suppressed) continue;
      reported.add(key(f.vmId, f.role, f.kind));
      if (sc && f.vmId === nameOf(sc.vm_ip)) got.add(`${f.role} ${f.kind}`);
    }
    if (!sc) continue;
    const kind = LABEL_KIND[sc.kind];
    const expected = kind && sc.role !== 'none' ? `${sc.role} ${kind}` : 'nothing';
    if (kind && sc.role !== 'none') wanted.add(key(nameOf(sc.vm_ip), sc.role, kind));
    const gotList = [...got].sort();
    scenarios.push({
      scenario: sc.id,
      vm: nameOf(sc.vm_ip),
      expected,
      got: gotList.join(', ') || 'nothing',
      ok: expected === 'nothing' ? gotList.length === 0 : gotList.length === 1 && gotList[0] === expected,
    });
  }
  const kinds: KindRow[] = FINDING_KINDS.map((k) => {
    const l = [...wanted].filter((x) => x.endsWith(` ${k}`));
    const r = [...reported].filter((x) => x.endsWith(` ${k}`));
    const detected = l.filter((x) => reported.has(x)).length;
    const correct = r.filter((x) => wanted.has(x)).length;
    return {
      kind: k,
      labels: l.length,
      detected,
      reported: r.length,
      correct,
      recall: l.length ? detected / l.length : 1,
      precision: r.length ? correct / r.length : 1,
    };
  });
  return {
    form,
    kinds,
    scenarios,
    falsePositives: [...reported].filter((x) => !wanted.has(x)).sort(),
    misses: [...wanted].filter((x) => !reported.has(x)).sort(),
    records,
  };
}

/** Runs every scenario file of a form (one engine each, every labelled VM declared) and scores them. */
export async function evaluateSharedForm(form: SharedForm, labels = loadSharedLabels()): Promise<SharedEvaluation> {
  const vms = sharedVms(labels);
  const runs: { id: string; findings: Finding[]; records: number }[] = [];
  for (const sc of labels.scenarios) {
    const store = await loadSharedForm(form, sc.id);
    const run = detect((c) => store.replay(c), vms);
    runs.push({ id: sc.id, findings: run.findings, records: run.records });
  }
  return scoreShared(form, labels, runs);
}

/** The merged file of a form (all.log / all.json: every scenario by time, NODATA/SKIPDATA lines) in one engine. */
export async function evaluateSharedMerged(
  form: 'vpc' | 'nsg',
  labels = loadSharedLabels(),
): Promise<SharedEvaluation> {
  const store = await loadSharedForm(form, 'all');
  const run = detect((c) => store.replay(c), sharedVms(labels));
  // Score the single run against every scenario's label.
  const runs = labels.scenarios.map((s, k) => ({
    id: s.id,
    findings: run.findings,
    records: k === 0 ? run.records : 0,
  }));
  return scoreShared(`${form} (${form === 'vpc' ? 'all.log' : 'all.json'})`, labels, runs);
}

/** Rows for console.table. */
export function kindTable(e: SharedEvaluation): Record<string, string | number>[] {
  return e.kinds.map((k) => ({
    form: e.form,
    kind: k.kind,
    labels: k.labels,
    detected: k.detected,
    reported: k.reported,
    recall: k.recall.toFixed(3),
    precision: k.precision.toFixed(3),
  }));
}
