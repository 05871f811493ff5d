import { isFindingKind, SEVERITIES, type FindingKind, type FindingRole, type Severity } from '@sg/queues';

const LEVELS = SEVERITIES;

/**
 * Base severity by kind and role. A VM that attacks ranks above one that is attacked, as in
 * GuardDuty (the same finding type is High for the ACTOR and Low for the TARGET) and Defender for
 * Cloud (outgoing brute force ranks above incoming): a source case is a compromised or misused VM
 * hurting others, and it ends in a deadline. Floods and amplification hurt third parties at once.
 */
const BASE: Record<FindingRole, Record<FindingKind, Severity>> = {
  source: {
    flood: 'critical',
    amplification: 'critical',
    'brute-force': 'high',
    spam: 'high',
    mining: 'high',
    'malicious-peer': 'high',
    'port-scan': 'medium',
  },
  target: {
    flood: 'high',
    amplification: 'high',
    'brute-force': 'low',
    'port-scan': 'low',
    spam: 'low',
    'malicious-peer': 'low',
    mining: 'low',
  },
};

/** Targets never reach critical: a case about an attacked VM asks nothing urgent of anyone. */
const CAP: Record<FindingRole, Severity> = { source: 'critical', target: 'high' };

const rank = (s: Severity) => LEVELS.indexOf(s);

/**
 * Severity of a case from a finding: the base for (kind, role), raised by at most one level when
 * detection rated the magnitude higher than the base. For every kind and detection severity the
 * source ranks at least as high as the target. Unknown kinds (added later) start at medium/low.
 */
export function caseSeverity(kind: string, role: FindingRole, detected: Severity): Severity {
  const base = isFindingKind(kind) ? BASE[role][kind] : role === 'source' ? 'medium' : 'low';
  const raised = rank(detected) > rank(base) ? rank(base) + 1 : rank(base);
  return LEVELS[Math.min(raised, rank(CAP[role]))];
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return rank(a) >= rank(b) ? a : b;
}
