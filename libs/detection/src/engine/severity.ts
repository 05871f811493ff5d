import type { FindingKind, FindingRole, FindingSeverity } from './finding';

/**
 * Severity from kind and role. Attacking ranks above being attacked, as GuardDuty (ACTOR High,
 * TARGET Low) and Defender for Cloud (outgoing brute force above incoming) rank them: a source
 * finding leads to a deadline and possibly a shutdown, a target finding to advice.
 */
const TABLE: Record<FindingKind, { source: FindingSeverity; target: FindingSeverity }> = {
  flood: { source: 'critical', target: 'high' },
  amplification: { source: 'high', target: 'medium' },
  'brute-force': { source: 'high', target: 'medium' },
  'port-scan': { source: 'high', target: 'low' },
  spam: { source: 'high', target: 'low' },
  'malicious-peer': { source: 'high', target: 'low' },
  mining: { source: 'medium', target: 'low' },
};

export function severityOf(kind: FindingKind, role: FindingRole, subkind: string): FindingSeverity {
  // Reaching Tor is a policy matter, not an attack; spoofed reflection requests are an attack in progress.
  if (kind === 'malicious-peer' && role === 'source' && subkind === 'tor') return 'medium';
  if (kind === 'amplification' && subkind === 'spoofed-requests') return 'critical';
  return TABLE[kind][role];
}
