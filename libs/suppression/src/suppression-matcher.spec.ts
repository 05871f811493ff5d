import type { SuppressibleFinding } from './suppressible-finding';
import { SuppressionMatcher } from './suppression-matcher';

const f = (over: Partial<SuppressibleFinding> = {}): SuppressibleFinding => ({
  vmId: 'vm-1',
  deploymentId: 'dep-1',
  subscriptionId: 'sub-1',
  role: 'source',
  kind: 'spam',
  lastSeen: '2024-05-01T10:05:00Z',
  topPeers: [{ ip: '192.0.2.25' }],
  ports: [25],
  ...over,
});

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
    ['a peer outside the prefixes', { topPeers: [{ ip: '198.51.100.1' }] }],
    ['a port outside the list', { ports: [25, 2525] }],
    ['no peers to check', { topPeers: [] }],
    ['no ports to check', { ports: undefined }],
    ['an event after expiry', { lastSeen: '2025-01-01T00:00:00Z' }],
  ])('does not match %s', (_what, over) => {
    const rules = [{ ...relay, expiresAt: '2024-12-31T00:00:00Z' }];
    expect(new SuppressionMatcher(rules).match(f(over as Partial<SuppressibleFinding>))).toBeNull();
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
    const peers = [{ ip: '2001:db8::25' }];
    expect(new SuppressionMatcher([v6]).match(f({ topPeers: peers }))).toBeNull();
    expect(new SuppressionMatcher([v6]).match(f({ topPeers: peers, role: 'target' }))?.id).toBe('r2');
  });
});
