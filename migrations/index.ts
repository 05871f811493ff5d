import { CreateInventory1764000000000 } from './1764000000000-CreateInventory';
import { CreateApiTokens1764000000001 } from './1764000000001-CreateApiTokens';
import { CreateCases1764000001000 } from './1764000001000-CreateCases';
import { CreateDeploymentActions1764000001001 } from './1764000001001-CreateDeploymentActions';
import { CreateMail1764000002000 } from './1764000002000-CreateMail';
import { CreateDbServers1764000003000 } from './1764000003000-CreateDbServers';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works from
 * TypeScript sources (tests, CLI) and from the compiled dist/.
 */
export const MIGRATIONS = [
  CreateInventory1764000000000,
  CreateApiTokens1764000000001,
  CreateCases1764000001000,
  CreateDeploymentActions1764000001001,
  CreateMail1764000002000,
  CreateDbServers1764000003000,
];
