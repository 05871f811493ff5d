import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr } from '@sg/common/ip';
import { DB_ALERT_SEVERITIES, DB_ALERT_TYPES } from '../analysis/alert-types';

const id = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');
const logFormat = z.enum(['stderr', 'csvlog', 'jsonlog']);
// A log_line_prefix is one line of printable text (PostgreSQL's own limit is far above this).
const prefix = z
  .string()
  .max(256)
  .regex(/^[^\r\n]*$/, 'one line');

export const serverInputSchema = z.strictObject({
  id,
  subscriptionId: id,
  name: z.string().min(1).max(200),
  host: z.string().max(255).nullable().optional(),
  logFormat,
  logLinePrefix: prefix.nullable().optional(),
});
export type ServerInput = z.output<typeof serverInputSchema>;

export const serverPatchSchema = serverInputSchema.omit({ id: true }).partial();
export type ServerPatch = z.output<typeof serverPatchSchema>;

export const policyInputSchema = z.strictObject({
  enabled: z.boolean(),
  recipients: z.array(z.email()).max(50).default([]),
  notifySubscriptionContacts: z.boolean().default(true),
  disabledAlertTypes: z.array(z.enum(DB_ALERT_TYPES)).default([]),
  minSeverity: z.enum(DB_ALERT_SEVERITIES).default('low'),
});
export type PolicyInput = z.output<typeof policyInputSchema>;

export const serverListQuerySchema = z.strictObject({
  subscriptionId: id.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const isoTime = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 timestamp')
  .transform((v) => new Date(v));

export const alertListQuerySchema = z.strictObject({
  serverId: id.optional(),
  type: z.enum(DB_ALERT_TYPES).optional(),
  severity: z.enum(DB_ALERT_SEVERITIES).optional(),
  state: z.enum(['open', 'dismissed', 'resolved']).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const alertIdSchema = z.uuid();

export const alertActionSchema = z.strictObject({ reason: z.string().max(2000).default('') }).default({ reason: '' });

const cidr = z
  .string()
  .refine((v) => parseCidr(v) !== null || isIP(v) !== 0, 'must be an IP address or CIDR prefix')
  .transform((v) => (v.includes('/') ? v : `${v}/${isIP(v) === 6 ? 128 : 32}`));

const ruleFields = {
  serverId: id.nullable().default(null),
  subscriptionId: id.nullable().default(null),
  alertType: z.enum(DB_ALERT_TYPES).nullable().default(null),
  sourceCidr: cidr.nullable().default(null),
  user: z.string().max(128).nullable().default(null),
  application: z.string().max(256).nullable().default(null),
};

export const suppressionSimulateSchema = z
  .strictObject(ruleFields)
  .refine((r) => r.serverId !== null || r.subscriptionId !== null, {
    message: 'a rule names a server or a subscription',
    path: ['serverId'],
  });

export const suppressionInputSchema = z
  .strictObject({
    ...ruleFields,
    reason: z.string().min(1).max(2000),
    expiresAt: isoTime.nullable().default(null),
  })
  .refine((r) => r.serverId !== null || r.subscriptionId !== null, {
    message: 'a rule names a server or a subscription',
    path: ['serverId'],
  });
