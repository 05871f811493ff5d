import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { METRICS_REGISTRY } from '@sg/ops';
import {
  LiveRecheckClient,
  REDIS,
  type LiveRecheckAnswer,
  type LiveRecheckOutcome,
  type RedisClient,
} from '@sg/queues';
import { EvidenceTrafficRecheck } from './evidence-traffic-recheck';
import type { TrafficRecheck, TrafficRecheckQuery, TrafficRecheckResult } from './traffic-recheck';

/**
 * The re-check before a shutdown, from detection's live state: asks every process that runs
 * detection (Redis pub/sub, libs/queues/src/live-recheck.ts) whether the VM side still shows the
 * pattern over exactly RECHECK_WINDOW, and waits up to RECHECK_TIMEOUT for as many answers as there
 * are listeners. Any process that sees the pattern settles it (still active); otherwise a process
 * that holds the VM side's traffic settles it (stopped). When nobody listens, Redis fails, a
 * listener does not answer in time (it may be the one that holds the VM's windows), or no process
 * holds the VM side (detection restarted and lost its windows), it falls back on the evidence
 * recorded on the case, and says why. The figures carry
 * `path` (live | evidence) and, for a fallback, `fallbackReason`; they go on the case timeline
 * with the decision.
 */
@Injectable()
export class LiveTrafficRecheck implements TrafficRecheck, OnApplicationShutdown {
  private readonly logger = new Logger('escalation');
  private readonly client: LiveRecheckClient;
  private readonly counted: Counter<'path' | 'result'> | null;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(REDIS) redis: RedisClient,
    private readonly evidence: EvidenceTrafficRecheck,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.client = new LiveRecheckClient(cfg, cfg.QUEUE_PREFIX, redis);
    this.counted = registry
      ? new Counter({
          name: 'safeguards_recheck_total',
          help: 'Re-checks before a shutdown, by what answered (live detection state or the evidence fallback) and result',
          labelNames: ['path', 'result'],
          registers: [registry],
        })
      : null;
  }

  onApplicationShutdown(): void {
    this.client.close();
  }

  async recheck(q: TrafficRecheckQuery): Promise<TrafficRecheckResult> {
    const timeoutMs = this.cfg.RECHECK_TIMEOUT;
    let live: LiveRecheckOutcome;
    try {
      live = await this.client.ask({ vmId: q.vmId, role: q.role, kind: q.kind, windowMs: q.windowMs }, timeoutMs);
    } catch (err) {
      return this.count(await this.fallback(q, `the live re-check could not be asked: ${(err as Error).message}`));
    }
    const judged = judgeLiveAnswers(live, timeoutMs);
    return this.count('fallbackReason' in judged ? await this.fallback(q, judged.fallbackReason) : judged);
  }

  private count(r: TrafficRecheckResult): TrafficRecheckResult {
    this.counted?.inc({ path: String(r.figures.path), result: r.stillActive ? 'active' : 'stopped' });
    return r;
  }

  private async fallback(q: TrafficRecheckQuery, reason: string): Promise<TrafficRecheckResult> {
    this.logger.warn({ vmId: q.vmId, role: q.role, kind: q.kind, reason }, 're-check falls back on the case evidence');
    const r = await this.evidence.recheck(q);
    return { stillActive: r.stillActive, figures: { ...r.figures, path: 'evidence', fallbackReason: reason } };
  }
}

/**
 * What the answers of the detection processes settle: any that sees the pattern -> still active;
 * else, when all answered and one holds the VM side -> stopped; anything else is a fallback on the
 * evidence, with the reason.
 */
export function judgeLiveAnswers(
  live: LiveRecheckOutcome,
  timeoutMs: number,
): TrafficRecheckResult | { fallbackReason: string } {
  const result = (stillActive: boolean, a: LiveRecheckAnswer): TrafficRecheckResult => ({
    stillActive,
    figures: {
      ...a.figures,
      path: 'live',
      responder: a.responder,
      answered: live.answers.length,
      listeners: live.listeners,
    },
  });
  const seen = live.answers.find((a) => a.present);
  if (seen) return result(true, seen);
  if (live.listeners === 0) return { fallbackReason: 'no detection process is listening for re-checks' };
  if (live.timedOut) {
    return {
      fallbackReason:
        `${live.answers.length} of ${live.listeners} detection process(es) answered within ${timeoutMs} ms` +
        (live.answers.length ? ', none saw the pattern' : ''),
    };
  }
  const holder = live.answers.find((a) => a.holds);
  if (!holder) {
    return {
      fallbackReason: `none of the ${live.listeners} detection process(es) holds live traffic of this VM side (restarted, or idle)`,
    };
  }
  return result(false, holder);
}
