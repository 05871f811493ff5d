import type { FindingDocument, FindingPeer } from '@sg/queues';

/** Bounds that keep a long-running case's evidence small enough to send in an e-mail. */
export const EVIDENCE_LIMITS = {
  topPeers: 20,
  sampleFlows: 20,
  ports: 32,
  findingIds: 50,
  rules: 20,
  seriesPoints: 96,
} as const;

/** The traffic series starts at one-minute steps (detection's bucket) and coarsens as a case runs on. */
const SERIES_FIRST_STEP_MS = 60_000;

/**
 * The case's traffic over time: [step start (ms), flows, packets, bytes], oldest first, at most
 * EVIDENCE_LIMITS.seriesPoints points; the step doubles (neighbours merged) when a case outgrows it.
 */
export interface TrafficSeries {
  stepMs: number;
  points: [number, number, number, number][];
}

/** What a case shows of the findings that built it. */
export interface CaseEvidence {
  firstSeen: string;
  lastSeen: string;
  /**
   * flows/packets/bytes: summed over the case's findings (each finding counted at its latest
   * figures, so an update replaces its own earlier contribution instead of adding to it);
   * distinctPeers/distinctPorts: the largest seen in one finding — distinct counts of different
   * findings overlap and cannot be added.
   */
  counts: { flows: number; packets: number; bytes: number; distinctPeers: number; distinctPorts: number };
  /** Heaviest peers by bytes over all findings. */
  topPeers: FindingPeer[];
  /** The latest sample flows, oldest first. */
  sampleFlows: Record<string, unknown>[];
  ports: number[];
  /** Each rule that fired, at the largest figure it observed. */
  rules: { name: string; threshold: number; observed: number; window: string; description: string }[];
  findingCount: number;
  /** The latest linked finding ids (all links are in case_findings). */
  findingIds: string[];
  /** Linked findings still active (not `ended`); a target case is mitigated when this drops to 0. */
  activeFindings: number;
  /** What each finding update added, spread over the time it covers (absent on cases from before it). */
  series?: TrafficSeries;
}

export function emptyEvidence(at: string): CaseEvidence {
  return {
    firstSeen: at,
    lastSeen: at,
    counts: { flows: 0, packets: 0, bytes: 0, distinctPeers: 0, distinctPorts: 0 },
    topPeers: [],
    sampleFlows: [],
    ports: [],
    rules: [],
    findingCount: 0,
    findingIds: [],
    activeFindings: 0,
    series: { stepMs: SERIES_FIRST_STEP_MS, points: [] },
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** `points` re-bucketed at `stepMs` (a multiple of their step). */
function rebucket(points: TrafficSeries['points'], stepMs: number): TrafficSeries['points'] {
  const out: TrafficSeries['points'] = [];
  for (const [t, f, p, b] of points) {
    const at = Math.floor(t / stepMs) * stepMs;
    const last = out[out.length - 1];
    if (last && last[0] === at) {
      last[1] += f;
      last[2] += p;
      last[3] += b;
    } else out.push([at, f, p, b]);
  }
  return out;
}

/**
 * Adds what an update added (flows, packets, bytes) to the series, spread evenly over the steps
 * between `fromMs` and `toMs` (the time the update covers). Nothing added, nothing changed.
 */
export function addToSeries(
  series: TrafficSeries | undefined,
  fromMs: number,
  toMs: number,
  flows: number,
  packets: number,
  bytes: number,
): TrafficSeries | undefined {
  if (!series || !(flows > 0 || packets > 0 || bytes > 0) || !Number.isFinite(toMs)) return series;
  const max = EVIDENCE_LIMITS.seriesPoints;
  const from = Number.isFinite(fromMs) ? Math.min(fromMs, toMs) : toMs;
  let step = series.stepMs;
  const first = series.points.length ? Math.min(series.points[0][0], from) : from;
  const last = series.points.length ? Math.max(series.points[series.points.length - 1][0], toMs) : toMs;
  while (Math.floor(last / step) - Math.floor(first / step) + 1 > max) step *= 2;
  const points = rebucket(series.points, step);
  const a = Math.floor(from / step);
  const z = Math.floor(toMs / step);
  const n = z - a + 1;
  for (let k = a; k <= z; k++) {
    const at = k * step;
    let i = points.length;
    while (i > 0 && points[i - 1][0] > at) i--;
    if (i === 0 || points[i - 1][0] !== at) points.splice(i, 0, [at, 0, 0, 0]);
    else i--;
    // Shares to two decimals (short in the stored JSON); the last step takes the rest, so the
    // series adds up to the counts.
    const lastStep = k === z;
    const share = (v: number) => (lastStep ? v - round2(v / n) * (n - 1) : round2(v / n));
    points[i][1] = round2(points[i][1] + share(flows));
    points[i][2] = round2(points[i][2] + share(packets));
    points[i][3] = round2(points[i][3] + share(bytes));
  }
  return { stepMs: step, points };
}

/**
 * Folds a finding document into a case's evidence. `previous` is the same finding's document as
 * this case last counted it (null when the finding is new to the case): detection sends whole,
 * cumulative documents, so the difference is what is added. Applying the same document twice
 * changes nothing, which makes redelivered jobs harmless.
 */
export function mergeEvidence(e: CaseEvidence, previous: FindingDocument | null, next: FindingDocument): CaseEvidence {
  const prev = previous;
  const delta = (k: 'flows' | 'packets' | 'bytes') => next.counts[k] - (prev?.counts[k] ?? 0);
  const counts = {
    flows: e.counts.flows + delta('flows'),
    packets: e.counts.packets + delta('packets'),
    bytes: e.counts.bytes + delta('bytes'),
    distinctPeers: Math.max(e.counts.distinctPeers, next.counts.distinctPeers),
    distinctPorts: Math.max(e.counts.distinctPorts, next.counts.distinctPorts),
  };

  const peers = new Map(e.topPeers.map((p) => [p.ip, { ...p }]));
  const before = new Map((prev?.topPeers ?? []).map((p) => [p.ip, p]));
  for (const p of next.topPeers) {
    const old = before.get(p.ip);
    const cur = peers.get(p.ip) ?? { ip: p.ip, flows: 0, packets: 0, bytes: 0 };
    cur.flows += p.flows - (old?.flows ?? 0);
    cur.packets += p.packets - (old?.packets ?? 0);
    cur.bytes += p.bytes - (old?.bytes ?? 0);
    peers.set(p.ip, cur);
  }
  const topPeers = [...peers.values()]
    .sort((a, b) => b.bytes - a.bytes || b.flows - a.flows || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
    .slice(0, EVIDENCE_LIMITS.topPeers);

  const seenFlows = new Set(e.sampleFlows.map((f) => JSON.stringify(f)));
  const sampleFlows = [...e.sampleFlows];
  for (const f of next.sampleFlows) {
    const key = JSON.stringify(f);
    if (!seenFlows.has(key)) {
      seenFlows.add(key);
      sampleFlows.push(f);
    }
  }

  const ports = [...new Set([...e.ports, ...(next.ports ?? [])])].sort((a, b) => a - b).slice(0, EVIDENCE_LIMITS.ports);

  const rules = e.rules.map((r) => ({ ...r }));
  const rule = rules.find((r) => r.name === next.rule.name);
  const { name, threshold, observed, window, description } = next.rule;
  if (!rule) rules.push({ name, threshold, observed, window, description });
  else if (observed >= rule.observed) Object.assign(rule, { threshold, observed, window, description });

  const isNew = prev === null;
  const findingIds = isNew && !e.findingIds.includes(next.id) ? [...e.findingIds, next.id] : e.findingIds;
  const wasActive = prev ? prev.status === 'active' : false;
  const isActive = next.status === 'active';

  // Event times arrive with any offset; compare as instants and keep them as UTC ISO strings.
  const first = Date.parse(next.firstSeen);
  const last = Date.parse(next.lastSeen);
  const empty = e.findingCount === 0;
  return {
    firstSeen: empty || first < Date.parse(e.firstSeen) ? new Date(first).toISOString() : e.firstSeen,
    lastSeen: empty || last > Date.parse(e.lastSeen) ? new Date(last).toISOString() : e.lastSeen,
    counts,
    topPeers,
    sampleFlows: sampleFlows.slice(-EVIDENCE_LIMITS.sampleFlows),
    ports,
    rules: rules.slice(0, EVIDENCE_LIMITS.rules),
    findingCount: e.findingCount + (isNew ? 1 : 0),
    findingIds: findingIds.slice(-EVIDENCE_LIMITS.findingIds),
    activeFindings: Math.max(0, e.activeFindings + (isActive ? 1 : 0) - (wasActive ? 1 : 0)),
    series: addToSeries(
      e.series,
      Date.parse(prev ? prev.lastSeen : next.firstSeen),
      last,
      Math.max(0, delta('flows')),
      Math.max(0, delta('packets')),
      Math.max(0, delta('bytes')),
    ),
  };
}

/**
 * Whether `next` carries news over the stored document of the same finding. Detection's updates
 * only grow (later lastSeen, more flows) or end; an older or identical document is a redelivery.
 */
export function isNewerFinding(stored: FindingDocument, next: FindingDocument): boolean {
  if (next.lastSeen !== stored.lastSeen) return Date.parse(next.lastSeen) > Date.parse(stored.lastSeen);
  if (next.counts.flows !== stored.counts.flows) return next.counts.flows > stored.counts.flows;
  if (next.counts.bytes !== stored.counts.bytes) return next.counts.bytes > stored.counts.bytes;
  return stored.status === 'active' && next.status === 'ended';
}
