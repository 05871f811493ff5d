import { Injectable } from '@nestjs/common';

/** One part's readiness: ready or not, and figures that say why (shown by /readyz). */
export interface ReadinessState {
  ready: boolean;
  details?: Record<string, unknown>;
}

/**
 * Readiness checks beyond PostgreSQL and Redis that a role registers (a detector replaying its
 * partitions, say): /readyz answers 503 while one of them is not ready. /healthz does not look at
 * them, so a liveness probe does not restart a process that is only catching up.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, () => ReadinessState>();

  register(key: string, check: () => ReadinessState): void {
    this.checks.set(key, check);
  }

  entries(): [string, () => ReadinessState][] {
    return [...this.checks];
  }
}
