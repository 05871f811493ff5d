import { CreateInventory1764000000000 } from './1764000000000-CreateInventory';
import { CreateApiTokens1764000000001 } from './1764000000001-CreateApiTokens';
import { CreateCases1764000001000 } from './1764000001000-CreateCases';
import { CreateDeploymentActions1764000001001 } from './1764000001001-CreateDeploymentActions';
import { CreateMail1764000002000 } from './1764000002000-CreateMail';
import { CreateDbServers1764000003000 } from './1764000003000-CreateDbServers';
import { CreateDbLogPositions1764000003100 } from './1764000003100-CreateDbLogPositions';
import { CreateDbAlerts1764000003200 } from './1764000003200-CreateDbAlerts';
import { CreateConsole1764000004000 } from './1764000004000-CreateConsole';
import { DbAlertsOpenIndex1764000004100 } from './1764000004100-DbAlertsOpenIndex';

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
  CreateDbLogPositions1764000003100,
  CreateDbAlerts1764000003200,
  CreateConsole1764000004000,
  DbAlertsOpenIndex1764000004100,
];
