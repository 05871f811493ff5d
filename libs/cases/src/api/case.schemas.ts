import { z } from 'zod';
import { parseCidr, parseDuration } from '@sg/common';
import { findingKindNameSchema, findingRoleSchema, SEVERITIES } from '@sg/queues';
import { CASE_STATUSES, type CaseStatus } from '../domain/case-status';

/**
 * Inputs of the case API. Every object is strict (an unknown field is a 400 naming it); an action
 * without a body is read as `{}`, so a missing required field is named too.
 */
const orEmpty = <T extends z.ZodType>(s: T) => z.preprocess((v) => v ?? {}, s);

const timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with a time zone' });
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `not a duration like 90s, 15m, 24h or 7d: "${v}"` });
    return z.NEVER;
  }
  return ms;
});
const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');
const csv = <T extends string>(values: readonly T[], what: string) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values as [T, ...T[]], { message: `each must be a ${what}: ${values.join(', ')}` })).min(1));

export const caseIdSchema = z.uuid('must be a case id (UUID)');

export const listCasesQuerySchema = z.strictObject({
  status: csv<CaseStatus>(CASE_STATUSES, 'status').optional(),
  role: findingRoleSchema.optional(),
  kind: findingKindNameSchema.optional(),
  severity: csv(SEVERITIES, 'severity').optional(),
  vmId: id.optional(),
  deploymentId: id.optional(),
  subscriptionId: id.optional(),
  assignee: z.string().max(200).optional(),
  deadlineBefore: timestamp.transform((v) => new Date(v)).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const assignSchema = orEmpty(z.strictObject({ assignee: z.string().trim().min(1).max(200).nullable() }));
export const noteSchema = orEmpty(z.strictObject({ text: text(10_000) }));
export const reasonSchema = orEmpty(z.strictObject({ reason: text(2000) }));
export const optionalReasonSchema = orEmpty(z.strictObject({ reason: text(2000).optional() }));

export const grantExtensionSchema = orEmpty(
  z
    .strictObject({
      duration: duration.optional(),
      until: timestamp.transform((v) => new Date(v)).optional(),
      reason: text(2000).optional(),
    })
    .refine((b) => !(b.duration !== undefined && b.until !== undefined), {
      message: 'give either duration or until, not both',
      path: ['until'],
    }),
);

const prefix = z.string().refine((v) => parseCidr(v) !== null, 'must be an IP prefix such as 203.0.113.0/24');

export const approveExceptionSchema = orEmpty(
  z
    .strictObject({
      scope: z.enum(['vm', 'deployment', 'subscription']).default('vm'),
      bothRoles: z.boolean().default(false),
      peerPrefixes: z.array(prefix).max(100).optional(),
      ports: z.array(z.number().int().min(0).max(65535)).max(100).optional(),
      expiresAt: timestamp.transform((v) => new Date(v)).optional(),
      duration: duration.optional(),
      reason: text(2000),
      description: text(10_000).optional(),
    })
    .refine((b) => !(b.expiresAt && b.duration), {
      message: 'give either expiresAt or duration, not both',
      path: ['duration'],
    })
    .refine((b) => !b.expiresAt || b.expiresAt.getTime() > Date.now(), {
      message: 'must be in the future',
      path: ['expiresAt'],
    }),
);

export const closeSchema = orEmpty(
  z
    .strictObject({
      resolution: z.enum(['true-positive', 'false-positive', 'duplicate']),
      reason: text(2000),
      duplicateOf: caseIdSchema.optional(),
    })
    .refine((b) => (b.resolution === 'duplicate') === (b.duplicateOf !== undefined), {
      message: 'required with resolution "duplicate", and only with it',
      path: ['duplicateOf'],
    }),
);
