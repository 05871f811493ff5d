import { CreateInventory1764000000000 } from './1764000000000-CreateInventory';
import { CreateApiTokens1764000000001 } from './1764000000001-CreateApiTokens';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works from
 * TypeScript sources (tests, CLI) and from the compiled dist/.
 */
export const MIGRATIONS = [CreateInventory1764000000000, CreateApiTokens1764000000001];
