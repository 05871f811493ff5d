import type { DbAlertSeverity } from '../servers/db-server-policy.entity';

/**
 * Alert types (ARCHITECTURE.md "Database threat protection"). Each one is its own type, so the three
 * brute-force kinds can be filtered, switched off and suppressed apart (the well-known service
 * folds them into one).
 */
export const DB_ALERT_TYPES = [
  'brute-force',
  'brute-force-valid-user',
  'brute-force-success',
  'user-enumeration',
  'distributed-brute-force',
  'harmful-application',
  'unusual-location',
  'unusual-network',
  'unusual-cloud-provider',
  'unusual-data-centre',
  'unfamiliar-principal',
  'suspicious-ip',
] as const;
export type DbAlertType = (typeof DB_ALERT_TYPES)[number];

export const DB_ALERT_SEVERITIES = ['low', 'medium', 'high'] as const satisfies readonly DbAlertSeverity[];

export const SEVERITY_RANK: Record<DbAlertSeverity, number> = { low: 1, medium: 2, high: 3 };

export interface DbAlertTypeInfo {
  severity: DbAlertSeverity;
  title: string;
  /** What may be behind it: benign and malicious. */
  causes: string[];
  actions: string[];
}

const INVESTIGATE = 'Check the activity around the alert (console link) for what the source did after it logged in.';

/**
 * Severities follow the well-known service's public alert list where it has the alert (brute force
 * medium, successful brute force high, harmful application high, unfamiliar principal low, unusual
 * data centre low, unusual cloud provider and location medium, suspicious IP medium); the types it
 * lacks are ranked like their nearest neighbour.
 */
export const DB_ALERT_INFO: Record<DbAlertType, DbAlertTypeInfo> = {
  'brute-force': {
    severity: 'medium',
    title: 'Suspected brute force attack',
    causes: ['A penetration test', 'An application retrying with a wrong password', 'An attacker guessing passwords'],
    actions: ['Block the source address in the firewall or pg_hba.conf', 'Make sure passwords are long and unique'],
  },
  'brute-force-valid-user': {
    severity: 'medium',
    title: 'Suspected brute force attack using a valid user',
    causes: [
      'A client configured with an old password',
      'An attacker who knows a real role name guessing its password',
    ],
    actions: ["Rotate the role's password", 'Restrict the role in pg_hba.conf to the addresses that need it'],
  },
  'brute-force-success': {
    severity: 'high',
    title: 'Suspected successful brute force attack',
    causes: [
      'A user who mistyped the password several times and then got it right',
      'An attacker who guessed a password',
    ],
    actions: ['Rotate the password of the role now', INVESTIGATE, 'Block the source address'],
  },
  'user-enumeration': {
    severity: 'medium',
    title: 'Attempted logons with many non-existent user names',
    causes: ['A scanner trying default role names', 'A misconfigured client cycling through names'],
    actions: ['Block the source address', 'Keep the server off the public internet where possible'],
  },
  'distributed-brute-force': {
    severity: 'medium',
    title: 'Suspected distributed brute force attack',
    causes: ['A botnet guessing passwords from many addresses', 'Many clients with a wrong password after a rotation'],
    actions: ['Restrict pg_hba.conf to known networks', 'Make sure passwords are long and unique'],
  },
  'harmful-application': {
    severity: 'high',
    title: 'Attempted logon by a potentially harmful application',
    causes: ['A penetration test', 'An attack with a common attack tool (sqlmap, hydra, nmap, ...)'],
    actions: ['Confirm whether a penetration test was planned', 'Block the source address', INVESTIGATE],
  },
  'unusual-location': {
    severity: 'medium',
    title: 'Log on from an unusual location',
    causes: ['A developer travelling or a new office', 'A former employee or an external attacker'],
    actions: ["Confirm the login with the role's owner", INVESTIGATE],
  },
  'unusual-network': {
    severity: 'low',
    title: 'Log on from an unusual network',
    causes: ['A new internet provider or VPN', 'An attacker from a network never seen before'],
    actions: ["Confirm the login with the role's owner", INVESTIGATE],
  },
  'unusual-cloud-provider': {
    severity: 'medium',
    title: 'Logon from an unusual cloud provider',
    causes: ['A new application hosted at that provider', 'An attacker renting a machine there'],
    actions: ['Confirm a new deployment at that provider', INVESTIGATE],
  },
  'unusual-data-centre': {
    severity: 'low',
    title: 'Log on from an unusual data centre',
    causes: ['A new application in another region of ours', 'A compromised machine in that region'],
    actions: ['Confirm a new deployment in that region', INVESTIGATE],
  },
  'unfamiliar-principal': {
    severity: 'low',
    title: 'Login from a principal user not seen recently',
    causes: [
      'A new application or maintenance by a developer',
      'A former employee or an attacker using a forgotten role',
    ],
    actions: ['Confirm the role is still needed; drop or lock it otherwise', INVESTIGATE],
  },
  'suspicious-ip': {
    severity: 'medium',
    title: 'Login from a suspicious IP',
    causes: ['A shared address (VPN, Tor exit) used by a legitimate user', 'An attacker on a known-bad address'],
    actions: ['Block the address', 'Rotate the password of the role', INVESTIGATE],
  },
};

export function isDbAlertType(s: string): s is DbAlertType {
  return (DB_ALERT_TYPES as readonly string[]).includes(s);
}
