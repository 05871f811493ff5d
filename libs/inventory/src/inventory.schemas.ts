import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Input shapes of the inventory API. Every object is strict: an unknown field is an error that
 * names it, so a typo never silently drops data.
 */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');

const timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with a time zone' });

export const addressInputSchema = z
  .strictObject({
    ip: z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address'),
    from: timestamp.nullable().optional(),
    to: timestamp.nullable().optional(),
  })
  .refine((a) => !a.from || !a.to || Date.parse(a.from) < Date.parse(a.to), {
    message: 'must be later than from',
    path: ['to'],
  });
export type AddressInput = z.output<typeof addressInputSchema>;

export const subscriptionInputSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(200),
  contacts: z.array(z.email('must be an e-mail address')).max(50).default([]),
});
export type SubscriptionInput = z.output<typeof subscriptionInputSchema>;

export const subscriptionPatchSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  contacts: z.array(z.email('must be an e-mail address')).max(50).optional(),
});

export const deploymentInputSchema = z.strictObject({
  id: idSchema,
  subscriptionId: idSchema,
  name: z.string().min(1).max(200),
});
export type DeploymentInput = z.output<typeof deploymentInputSchema>;

export const deploymentPatchSchema = z.strictObject({
  subscriptionId: idSchema.optional(),
  name: z.string().min(1).max(200).optional(),
});

export const vmInputSchema = z.strictObject({
  id: idSchema,
  deploymentId: idSchema,
  name: z.string().min(1).max(200),
  addresses: z.array(addressInputSchema).max(256).default([]),
});
export type VmInput = z.output<typeof vmInputSchema>;

export const vmPatchSchema = z.strictObject({
  deploymentId: idSchema.optional(),
  name: z.string().min(1).max(200).optional(),
});

export const addressPatchSchema = z.strictObject({
  to: timestamp.nullable(),
});

export const importSchema = z.strictObject({
  subscriptions: z.array(subscriptionInputSchema).max(1_000_000).default([]),
  deployments: z.array(deploymentInputSchema).max(1_000_000).default([]),
  vms: z.array(vmInputSchema).max(1_000_000).default([]),
});
export type InventoryImport = z.output<typeof importSchema>;

export const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  subscriptionId: idSchema.optional(),
  deploymentId: idSchema.optional(),
});
export type ListQuery = z.output<typeof listQuerySchema>;
