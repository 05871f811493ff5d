import { z } from 'zod';

/**
 * The words a finding (and the case made from it) is described with — role, direction, kind,
 * severity, status — defined once for every domain. Only zod here, no Nest: the detection threads
 * import this file directly (`@sg/queues/finding-vocabulary`), not the queues library's index.
 */

/** A VM is the source of the traffic (it attacks) or its target (it is attacked). */
export const FINDING_ROLES = ['source', 'target'] as const;
export type FindingRole = (typeof FINDING_ROLES)[number];
export const findingRoleSchema = z.enum(FINDING_ROLES);

/** Where the traffic went relative to the cloud: into a VM, out of it, or between two VMs. */
export const FINDING_DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
export type FindingDirection = (typeof FINDING_DIRECTIONS)[number];
export const findingDirectionSchema = z.enum(FINDING_DIRECTIONS);

/**
 * The kinds detection reports today. A kind's index (KIND_INDEX) is its position here: detection
 * keeps per-kind state in bit masks and arrays by that index, so append new kinds at the end
 * (at most 8: the per-side state is keyed `track * 8 + index`).
 */
export const FINDING_KINDS = [
  'port-scan',
  'brute-force',
  'flood',
  'amplification',
  'spam',
  'malicious-peer',
  'mining',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Position of each kind in FINDING_KINDS. Only for kinds typed FindingKind: check a string with isFindingKind first. */
export const KIND_INDEX: Readonly<Record<FindingKind, number>> = Object.freeze(
  Object.fromEntries(FINDING_KINDS.map((k, i) => [k, i])) as Record<FindingKind, number>,
);

/**
 * Whether a string (from the wire, a query, a rule) names a kind of FINDING_KINDS. Own properties
 * only: "constructor" or "__proto__" are not kinds, although `k in KIND_INDEX` would say they are.
 */
export function isFindingKind(kind: string): kind is FindingKind {
  return Object.hasOwn(KIND_INDEX, kind);
}

/**
 * How a kind is written on the wire and in the API: the kinds above, and kinds added later (a
 * worker older than the detection that sends a new kind still opens a case for it, with generic
 * advice). Code that looks a kind up in a table checks it with isFindingKind.
 */
export const findingKindNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a kind such as port-scan');

/** Lowest first; a case's severity is the highest of its findings'. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES);

/** An ongoing incident is `active`; its last update says `ended`. */
export const FINDING_STATUSES = ['active', 'ended'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const findingStatusSchema = z.enum(FINDING_STATUSES);
