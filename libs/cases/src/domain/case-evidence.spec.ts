import { EVIDENCE_LIMITS, addToSeries, emptyEvidence, isNewerFinding, mergeEvidence } from './case-evidence';
import type { FindingDocument } from '@sg/queues';

const base = (over: Partial<FindingDocument> = {}): FindingDocument => ({
  id: 'f1',
  vmId: 'vm-1',
  deploymentId: 'dep-1',
  subscriptionId: 'sub-1',
  role: 'source',
  direction: 'outbound',
  kind: 'port-scan',
  severity: 'medium',
  firstSeen: '2024-05-01T10:00:00Z',
  lastSeen: '2024-05-01T10:05:00Z',
  counts: { flows: 100, packets: 200, bytes: 10_000, distinctPeers: 40, distinctPorts: 1 },
  topPeers: [{ ip: '198.51.100.1', flows: 10, packets: 20, bytes: 1000 }],
  sampleFlows: [{ n: 1 }],
  ports: [22],
  rule: { name: 'port-scan.horizontal', threshold: 25, observed: 40, window: '5m', description: 'scan' },
  status: 'active',
  ...over,
});

describe('evidence merging', () => {
  const start = () => mergeEvidence(emptyEvidence('2024-05-01T10:00:00Z'), null, base());

  it('takes a first finding as it is', () => {
    const e = start();
    expect(e.counts).toEqual(base().counts);
    expect(e).toMatchObject({ findingCount: 1, findingIds: ['f1'], activeFindings: 1, ports: [22] });
    expect(e.firstSeen).toBe('2024-05-01T10:00:00.000Z');
  });

  it('replaces a finding’s earlier contribution on an update, and is unchanged by the same document twice', () => {
    const first = start();
    const update = base({
      lastSeen: '2024-05-01T10:10:00Z',
      counts: { ...base().counts, flows: 150, distinctPeers: 45 },
    });
    const e = mergeEvidence(first, base(), update);
    expect(e.counts.flows).toBe(150);
    expect(e.counts.distinctPeers).toBe(45);
    expect(e.findingCount).toBe(1);
    expect(mergeEvidence(e, update, update)).toEqual(e);
  });

  it('sums volumes and maxes distinct counts across findings; merges peers by address', () => {
    const other = base({
      id: 'f2',
      counts: { flows: 50, packets: 60, bytes: 5000, distinctPeers: 10, distinctPorts: 3 },
      topPeers: [
        { ip: '198.51.100.1', flows: 5, packets: 5, bytes: 500 },
        { ip: '198.51.100.2', flows: 50, packets: 50, bytes: 5000 },
      ],
      ports: [23],
      lastSeen: '2024-05-01T11:00:00+01:00',
      rule: { ...base().rule, observed: 80 },
    });
    const e = mergeEvidence(start(), null, other);
    expect(e.counts).toEqual({ flows: 150, packets: 260, bytes: 15_000, distinctPeers: 40, distinctPorts: 3 });
    expect(e.topPeers).toEqual([
      { ip: '198.51.100.2', flows: 50, packets: 50, bytes: 5000 },
      { ip: '198.51.100.1', flows: 15, packets: 25, bytes: 1500 },
    ]);
    expect(e.ports).toEqual([22, 23]);
    expect(e.rules).toEqual([expect.objectContaining({ name: 'port-scan.horizontal', observed: 80 })]);
    // 11:00+01:00 is 10:00Z: earlier than 10:05Z, so lastSeen stays.
    expect(e.lastSeen).toBe('2024-05-01T10:05:00.000Z');
    expect(e).toMatchObject({ findingCount: 2, findingIds: ['f1', 'f2'], activeFindings: 2 });
  });

  it('keeps sample flows and ids bounded, newest kept', () => {
    let e = start();
    for (let i = 2; i < 80; i++) {
      e = mergeEvidence(
        e,
        null,
        base({
          id: `f${i}`,
          sampleFlows: [{ n: i }],
          topPeers: [{ ip: `203.0.113.${i}`, flows: i, packets: i, bytes: i }],
        }),
      );
    }
    expect(e.sampleFlows).toHaveLength(EVIDENCE_LIMITS.sampleFlows);
    expect(e.sampleFlows.at(-1)).toEqual({ n: 79 });
    expect(e.findingIds).toHaveLength(EVIDENCE_LIMITS.findingIds);
    expect(e.findingIds.at(-1)).toBe('f79');
    expect(e.topPeers).toHaveLength(EVIDENCE_LIMITS.topPeers);
    expect(e.findingCount).toBe(79);
  });

  it('counts active findings down as they end', () => {
    const e = mergeEvidence(start(), base(), base({ status: 'ended', lastSeen: '2024-05-01T10:06:00Z' }));
    expect(e.activeFindings).toBe(0);
  });

  it('tells a newer document from a redelivery or an older one', () => {
    const b = base();
    expect(isNewerFinding(b, b)).toBe(false);
    expect(isNewerFinding(b, base({ lastSeen: '2024-05-01T10:04:00Z' }))).toBe(false);
    expect(isNewerFinding(b, base({ lastSeen: '2024-05-01T10:06:00Z' }))).toBe(true);
    expect(isNewerFinding(b, base({ counts: { ...b.counts, flows: 101 } }))).toBe(true);
    expect(isNewerFinding(b, base({ status: 'ended' }))).toBe(true);
  });

  it('keeps the traffic over time: each update spread over the minutes it covers, redeliveries adding nothing', () => {
    const first = start(); // 100 flows over 10:00-10:05
    const min = (m: number) => Date.parse('2024-05-01T10:00:00Z') + m * 60_000;
    expect(first.series!.stepMs).toBe(60_000);
    expect(first.series!.points.map((p) => p[0])).toEqual([0, 1, 2, 3, 4, 5].map(min));
    expect(first.series!.points.reduce((a, p) => a + p[1], 0)).toBeCloseTo(100);
    const update = base({ lastSeen: '2024-05-01T10:07:00Z', counts: { ...base().counts, flows: 160 } });
    const e = mergeEvidence(first, base(), update);
    const flowsAt = (m: number) => e.series!.points.find((p) => p[0] === min(m))?.[1] ?? 0;
    // The 60 new flows fall in 10:05-10:07.
    expect(flowsAt(6) + flowsAt(7)).toBeCloseTo(40);
    expect(e.series!.points.reduce((a, p) => a + p[1], 0)).toBeCloseTo(160);
    expect(mergeEvidence(e, update, update).series).toEqual(e.series);
  });

  it('coarsens the series instead of growing it past its bound, keeping the totals', () => {
    let s = emptyEvidence('2024-05-01T10:00:00Z').series;
    const t0 = Date.parse('2024-05-01T10:00:00Z');
    for (let h = 0; h < 48; h++) s = addToSeries(s, t0 + h * 3600_000, t0 + h * 3600_000 + 60_000, 10, 20, 30);
    expect(s!.points.length).toBeLessThanOrEqual(EVIDENCE_LIMITS.seriesPoints);
    expect(s!.stepMs).toBeGreaterThan(60_000);
    expect(s!.points.reduce((a, p) => a + p[3], 0)).toBeCloseTo(48 * 30);
    expect(s!.points.every((p, i) => i === 0 || p[0] > s!.points[i - 1][0])).toBe(true);
    expect(addToSeries(s, t0, t0, 0, 0, 0)).toBe(s);
    expect(addToSeries(undefined, t0, t0, 1, 1, 1)).toBeUndefined();
  });
});
