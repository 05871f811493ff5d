import type { FindingRole, Severity } from '@sg/queues';

export interface DeadlinePolicyConfig {
  /** CASE_DEADLINE_DEFAULT */
  defaultMs: number;
  /** CASE_DEADLINE_FLOOD */
  floodMs: number;
}

/** Kinds whose traffic hurts third parties while it lasts: the owner gets the short deadline. */
const URGENT_KINDS: ReadonlySet<string> = new Set(['flood', 'amplification']);

/**
 * How long the owner of a source gets before escalation, from its kind and severity:
 * floods, amplification and any critical source case get CASE_DEADLINE_FLOOD (4h by default),
 * everything else CASE_DEADLINE_DEFAULT (24h). Targets get no deadline (null): nothing is asked
 * of the owner of an attacked VM, so nothing escalates.
 */
export function deadlineMsFor(
  role: FindingRole,
  kind: string,
  severity: Severity,
  cfg: DeadlinePolicyConfig,
): number | null {
  if (role !== 'source') return null;
  if (URGENT_KINDS.has(kind) || severity === 'critical') return Math.min(cfg.floodMs, cfg.defaultMs);
  return cfg.defaultMs;
}
