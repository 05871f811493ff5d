import { randomUUID } from 'node:crypto';
import type { FindingDocument } from '@sg/queues';

/** A finding as detection sends it; override what the test is about. */
export function makeFinding(over: Partial<FindingDocument> & { ports?: number[] } = {}): FindingDocument {
  const now = Date.now();
  return {
    id: `f-${randomUUID()}`,
    vmId: 'vm-1',
    deploymentId: 'dep-1',
    subscriptionId: 'sub-1',
    role: 'source',
    direction: 'outbound',
    kind: 'port-scan',
    subkind: 'horizontal',
    severity: 'medium',
    firstSeen: new Date(now - 60_000).toISOString(),
    lastSeen: new Date(now).toISOString(),
    counts: { flows: 120, packets: 240, bytes: 14_400, distinctPeers: 60, distinctPorts: 1 },
    topPeers: [
      { ip: '198.51.100.10', flows: 3, packets: 6, bytes: 360 },
      { ip: '198.51.100.11', flows: 2, packets: 4, bytes: 240 },
    ],
    sampleFlows: [{ src: '10.0.0.5', dst: '198.51.100.10', dstPort: 22, proto: 6, packets: 2 }],
    rule: {
      name: 'port-scan.horizontal',
      threshold: 25,
      observed: 60,
      window: '5m',
      description: '60 hosts probed on port 22 in 5 minutes',
    },
    status: 'active',
    ...over,
  };
}

/** A deployment with two VMs, so shutdown requests name both. */
export const INVENTORY = {
  subscriptions: [{ id: 'sub-1', name: 'Owner Ltd', contacts: ['ops@owner.example'] }],
  deployments: [{ id: 'dep-1', subscriptionId: 'sub-1', name: 'web' }],
  vms: [
    { id: 'vm-1', deploymentId: 'dep-1', name: 'web-1', addresses: [{ ip: '10.0.0.5' }] },
    { id: 'vm-2', deploymentId: 'dep-1', name: 'web-2', addresses: [{ ip: '10.0.0.6' }] },
  ],
};
