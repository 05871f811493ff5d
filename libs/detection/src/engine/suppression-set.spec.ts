import type { Finding } from './finding';
import { SuppressionSet } from './suppression-set';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'f-1',
    vmId: 'vm-mail',
    deploymentId: 'dep-mail',
    subscriptionId: 'sub-1',
    role: 'source',
    direction: 'outbound',
    kind: 'spam',
    subkind: 'smtp-fanout',
    severity: 'high',
    firstSeen: '2024-06-03T08:00:00.000Z',
    lastSeen: '2024-06-03T08:05:00.000Z',
    counts: { flows: 100, packets: 1000, bytes: 100000, distinctPeers: 80, distinctPorts: 1 },
    topPeers: [
      { ip: '198.51.100.7', flows: 3, packets: 30, bytes: 3000 },
      { ip: '198.51.100.9', flows: 2, packets: 20, bytes: 2000 },
    ],
    ports: [25],
    sampleFlows: [],
    rule: { name: 'spam.smtp-fanout', threshold: 50, observed: 80, window: '5m', description: '' },
    status: 'active',
    updates: 1,
    ...over,
  };
}

describe('SuppressionSet', () => {
  it('matches by scope, kind and role', () => {
    const s = new SuppressionSet([
      { id: 'r1', scope: { deploymentId: 'dep-mail' }, kind: 'spam', role: 'source', reason: 'relay' },
    ]);
    expect(s.match(finding())).toEqual({ ruleId: 'r1', reason: 'relay' });
    expect(s.match(finding({ kind: 'port-scan' }))).toBeUndefined();
    expect(s.match(finding({ role: 'target' }))).toBeUndefined();
    expect(s.match(finding({ deploymentId: 'dep-other' }))).toBeUndefined();
  });

  it('requires all evidence inside the rule prefixes and ports', () => {
    const s = new SuppressionSet([
      {
        id: 'r2',
        scope: { vmId: 'vm-mail' },
        kind: 'spam',
        peerPrefixes: ['198.51.100.0/24', '2001:db8::/32'],
        ports: [25, 587],
        reason: 'known servers',
      },
    ]);
    expect(s.match(finding())?.ruleId).toBe('r2');
    expect(s.match(finding({ topPeers: [{ ip: '2001:db8::25', flows: 1, packets: 1, bytes: 1 }] }))?.ruleId).toBe('r2');
    expect(
      s.match(finding({ topPeers: [...finding().topPeers, { ip: '203.0.113.1', flows: 1, packets: 1, bytes: 1 }] })),
    ).toBeUndefined();
    expect(s.match(finding({ ports: [25, 2525] }))).toBeUndefined();
    expect(s.match(finding({ topPeers: [] }))).toBeUndefined();
  });

  it('stops applying at expiresAt (event time of the finding)', () => {
    const s = new SuppressionSet([
      { id: 'r3', scope: { vmId: 'vm-mail' }, kind: 'spam', reason: 'until Monday', expiresAt: '2024-06-03T08:04:00Z' },
    ]);
    expect(s.match(finding({ lastSeen: '2024-06-03T08:03:59.000Z' }))?.ruleId).toBe('r3');
    expect(s.match(finding({ lastSeen: '2024-06-03T08:04:00.000Z' }))).toBeUndefined();
  });

  it('rejects rules with bad prefixes or dates', () => {
    expect(
      () => new SuppressionSet([{ id: 'bad', scope: {}, kind: 'spam', peerPrefixes: ['1.2.3.0/99'], reason: '' }]),
    ).toThrow('bad prefix');
    expect(() => new SuppressionSet([{ id: 'bad', scope: {}, kind: 'spam', expiresAt: 'soon', reason: '' }])).toThrow(
      'expiresAt',
    );
  });
});
