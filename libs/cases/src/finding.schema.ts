import { z } from 'zod';

const iso = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with a time zone' });
const count = z.number().finite().min(0);

/**
 * The "findings" queue payload as the cases module accepts it (wire contract: FindingDocument in
 * @sg/queues). Loose on purpose: detection may add fields (it already sends `ports` and
 * `updates`), and the whole document is stored as received; a document that lacks a field cases
 * rely on can never succeed and fails the job without retries.
 */
export const findingDocumentSchema = z.looseObject({
  id: z.string().min(1).max(256),
  vmId: z.string().min(1).max(128),
  deploymentId: z.string().min(1).max(128),
  subscriptionId: z.string().min(1).max(128),
  role: z.enum(['source', 'target']),
  direction: z.enum(['inbound', 'outbound', 'internal']),
  kind: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a kind such as port-scan'),
  subkind: z.string().optional(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  firstSeen: iso,
  lastSeen: iso,
  counts: z.looseObject({
    flows: count,
    packets: count,
    bytes: count,
    distinctPeers: count,
    distinctPorts: count,
  }),
  topPeers: z.array(z.looseObject({ ip: z.string(), flows: count, packets: count, bytes: count })).max(1000),
  sampleFlows: z.array(z.record(z.string(), z.unknown())).max(1000),
  ports: z.array(z.number().int().min(0).max(65535)).max(1000).optional(),
  rule: z.looseObject({
    name: z.string().min(1),
    threshold: z.number(),
    observed: z.number(),
    window: z.string(),
    description: z.string(),
  }),
  status: z.enum(['active', 'ended']),
  suppressed: z.looseObject({ ruleId: z.string(), reason: z.string() }).nullable().optional(),
});

export type FindingInput = z.output<typeof findingDocumentSchema>;
