/** Redis channel announcing that suppression rules changed (payload: the rule id). */
export const SUPPRESSIONS_CHANGED_CHANNEL = 'sg:suppressions:changed';
