import { z } from 'zod';
import {
  findingDirectionSchema,
  findingKindNameSchema,
  findingRoleSchema,
  findingStatusSchema,
  severitySchema,
} from './finding-vocabulary';

const iso = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with a time zone' });
const count = z.number().finite().min(0);

const findingPeerSchema = z.looseObject({ ip: z.string(), flows: count, packets: count, bytes: count });

/**
 * A finding as it travels on the "findings" queue from detection to cases: the wire contract
 * between the two domains. Detection sends the whole document on every update of an ongoing
 * incident (same `id`), so cases can merge idempotently. Loose on purpose: fields cases does not
 * know (detection also sends `updates`) are kept, and the whole document is stored as received;
 * a document that lacks a field cases rely on can never succeed and fails its job without retries.
 */
export const findingDocumentSchema = z.looseObject({
  /** Stable for one ongoing incident: updates reuse it. */
  id: z.string().min(1).max(256),
  vmId: z.string().min(1).max(128),
  deploymentId: z.string().min(1).max(128),
  subscriptionId: z.string().min(1).max(128),
  role: findingRoleSchema,
  direction: findingDirectionSchema,
  kind: findingKindNameSchema,
  subkind: z.string().optional(),
  severity: severitySchema,
  /** ISO timestamps (event time). */
  firstSeen: iso,
  lastSeen: iso,
  counts: z.looseObject({
    flows: count,
    packets: count,
    bytes: count,
    distinctPeers: count,
    distinctPorts: count,
  }),
  topPeers: z.array(findingPeerSchema).max(1000),
  /** A few flow records as objects (see @sg/flows FlowRecord). */
  sampleFlows: z.array(z.record(z.string(), z.unknown())).max(1000),
  /** Ports the evidence is about. */
  ports: z.array(z.number().int().min(0).max(65535)).max(1000).optional(),
  rule: z.looseObject({
    name: z.string().min(1),
    threshold: z.number(),
    observed: z.number(),
    window: z.string(),
    description: z.string(),
  }),
  status: findingStatusSchema,
  /** Set when an approved exception matched: the finding is kept and counted, not acted on. */
  suppressed: z.looseObject({ ruleId: z.string(), reason: z.string() }).nullable().optional(),
});

/** A finding as cases receive it (validated). */
export type FindingDocument = z.output<typeof findingDocumentSchema>;
export type FindingPeer = z.output<typeof findingPeerSchema>;
