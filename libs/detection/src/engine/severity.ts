import type { FindingKind, FindingRole, Severity } from '@sg/queues/finding-vocabulary';

/**
 * Severity from kind and role. Attacking ranks above being attacked, as GuardDuty (ACTOR High,
 * TARGET Low) and Defender for Cloud (outgoing brute force above incoming) rank them: a source
 * finding leads to a deadline and possibly a shutdown, a target finding to advice.
 */
const TABLE: Record<FindingKind, { source: Severity; target: Severity }> = {
  flood: { source: 'critical', target: 'high' },
  amplification: { source: 'high', target: 'medium' },
  'brute-force': { source: 'high', target: 'medium' },
  'port-scan': { source: 'high', target: 'low' },
  spam: { source: 'high', target: 'low' },
  'malicious-peer': { source: 'high', target: 'low' },
  mining: { source: 'medium', target: 'low' },
};

export function severityOf(kind: FindingKind, role: FindingRole, subkind: string): Severity {
  // Reaching Tor is a policy matter, not an attack; spoofed reflection requests are an attack in progress.
  if (kind === 'malicious-peer' && role === 'source' && subkind === 'tor') return 'medium';
  if (kind === 'amplification' && subkind === 'spoofed-requests') return 'critical';
  return TABLE[kind][role];
}
