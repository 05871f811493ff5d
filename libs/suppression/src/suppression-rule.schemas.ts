import { z } from 'zod';

/** Inputs of the suppression-rule API. */
export const suppressionRuleIdSchema = z.uuid('must be a suppression rule id (UUID)');

export const listRulesQuerySchema = z.strictObject({
  includeRevoked: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
