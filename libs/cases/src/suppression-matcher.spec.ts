import type { FindingInput } from './finding.schema';
import { SuppressionMatcher } from './suppression-matcher';

const f = (over: Partial<FindingInput> = {}): FindingInput =>
  ({
    id: 'f1',
    vmId: 'vm-1',
    deploymentId: 'dep-1',
    subscriptionId: 'sub-1',
    role: 'source',
    direction: 'outbound',
    kind: 'spam',
    severity: 'high',
    firstSeen: '2024-05-01T10:00:00Z',
    lastSeen: '2024-05-01T10:05:00Z',
    counts: { flows: 1, packets: 1, bytes: 1, distinctPeers: 1, distinctPorts: 1 },
    topPeers: [{ ip: '192.0.2.25', flows: 1, packets: 1, bytes: 1 }],
    sampleFlows: [],
    ports: [25],
    rule: { name: 'spam.fanout', threshold: 1, observed: 1, window: '5m', description: '' },
    status: 'active',
    ...over,
  }) as FindingInput;

describe('suppression matcher', () => {
  const relay = {
    id: 'r1',
    scope: { deploymentId: 'dep-1' },
    kind: 'spam' as const,
    peerPrefixes: ['192.0.2.0/24'],
    ports: [25, 587],
    reason: 'mail relay',
  };

  it('matches within scope, kind, peers and ports', () => {
    expect(new SuppressionMatcher([relay]).match(f())?.id).toBe('r1');
  });

  it.each([
    ['another deployment', { deploymentId: 'dep-2' }],
    ['another kind', { kind: 'port-scan' }],
    ['a peer outside the prefixes', { topPeers: [{ ip: '198.51.100.1', flows: 1, packets: 1, bytes: 1 }] }],
    ['a port outside the list', { ports: [25, 2525] }],
    ['no peers to check', { topPeers: [] }],
    ['no ports to check', { ports: undefined }],
    ['an event after expiry', { lastSeen: '2025-01-01T00:00:00Z' }],
  ])('does not match %s', (_what, over) => {
    const rules = [{ ...relay, expiresAt: '2024-12-31T00:00:00Z' }];
    expect(new SuppressionMatcher(rules).match(f(over as Partial<FindingInput>))).toBeNull();
  });

  it('honours the role when given, and IPv6 prefixes', () => {
    const v6 = {
      id: 'r2',
      scope: { vmId: 'vm-1' },
      kind: 'spam' as const,
      role: 'target' as const,
      peerPrefixes: ['2001:db8::/32'],
      reason: 'x',
    };
    const peers = [{ ip: '2001:db8::25', flows: 1, packets: 1, bytes: 1 }];
    expect(new SuppressionMatcher([v6]).match(f({ topPeers: peers }))).toBeNull();
    expect(new SuppressionMatcher([v6]).match(f({ topPeers: peers, role: 'target' }))?.id).toBe('r2');
  });
});
