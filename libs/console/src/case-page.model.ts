import type { CaseEvidence } from '@sg/cases';
import { evidenceChart, seriesChart } from './charts';
import { formatBytes, formatTime } from './console-views';

interface CaseFacts {
  vmId: string;
  deploymentId: string;
  role: string;
  direction: string;
  kind: string;
  evidence: CaseEvidence;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** What happened, in words, from the case's facts and the rule that fired most strongly. */
export function narrative(c: CaseFacts): string {
  const e = c.evidence;
  const verb = c.role === 'source' ? 'sent' : 'received';
  const whom = c.role === 'source' ? `${e.counts.distinctPeers} peer(s)` : `${e.counts.distinctPeers} source(s)`;
  const rule = e.rules[0];
  const ruleText = rule
    ? ` Rule ${rule.name} saw ${rule.observed} against a threshold of ${rule.threshold} in ${rule.window}: ${rule.description}.`
    : '';
  return (
    `VM ${c.vmId} (deployment ${c.deploymentId}) ${verb} ${c.kind.replace(/-/g, ' ')} traffic (${c.direction}) ` +
    `${c.role === 'source' ? 'to' : 'from'} ${whom} between ${formatTime(e.firstSeen)} and ${formatTime(e.lastSeen)}: ` +
    `${e.counts.flows} flows, ${e.counts.packets} packets, ${formatBytes(e.counts.bytes)}.${ruleText}`
  );
}

/** Evidence as the templates read it: every field present (strict templates), the chart drawn. */
export function evidenceModel(e: CaseEvidence) {
  const samples = e.sampleFlows.map((f) => ({
    start: str(f.start) || null,
    src: `${str(f.src)}${f.srcPort !== undefined ? `:${str(f.srcPort)}` : ''}`,
    dst: `${str(f.dst)}${f.dstPort !== undefined ? `:${str(f.dstPort)}` : ''}`,
    protocol: str(f.protocol ?? f.proto),
    packets: num(f.packets),
    bytes: num(f.bytes),
  }));
  return {
    evidence: e,
    topPeers: e.topPeers.map((p) => ({ ip: p.ip, flows: num(p.flows), packets: num(p.packets), bytes: num(p.bytes) })),
    samples,
    chart: e.series?.points.length ? seriesChart(e.series) : evidenceChart(e.firstSeen, e.lastSeen, samples),
  };
}
