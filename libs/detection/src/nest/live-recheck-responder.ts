import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { InventoryIndexService } from '@sg/inventory';
import {
  answerLiveRechecks,
  REDIS,
  type LiveRecheckAnswer,
  type LiveRecheckRequest,
  type RedisClient,
} from '@sg/queues';
import type { RecheckResult } from '../engine/detection-engine';
import { DEFAULT_DETECTION_CONFIG } from '../engine/detection-config';
import { isFindingKind } from '@sg/queues/finding-vocabulary';
import { DetectionService } from './detection.service';

/** The engine's reason when it holds no traffic of the VM side (its re-check API, used as it is). */
const NOTHING_HELD = 'no traffic held for this VM side';

/** A rule's own window: judged over less, a pattern would be judged from a fraction of its evidence. */
const RULE_WINDOW_MS = DEFAULT_DETECTION_CONFIG.bucketMs * DEFAULT_DETECTION_CONFIG.windowBuckets;

/** The window the engine evaluates the rule over for a re-check of `windowMs`. */
export const ruleWindowFor = (windowMs: number): number => Math.max(windowMs, RULE_WINDOW_MS);

/**
 * Whether the pattern goes on within the last `windowMs` (RECHECK_WINDOW), from the engine's answer
 * over the rule's own window (ruleWindowFor): the rule fires and its own flows were seen within
 * `windowMs` (to the engine's bucket), or the incident was. A scan refreshed every 10 s is present
 * with a 30 s window; one that stopped two minutes ago is not, even while its window still fires.
 * The figures are flat, as the case timeline shows them.
 */
export function liveAnswer(
  r: RecheckResult | null,
  windowMs: number,
  nowMs: number,
  responder: string,
  why = 'VM not known here',
): LiveRecheckAnswer {
  if (!r) return { holds: false, present: false, responder, figures: { reason: why } };
  const since = nowMs - windowMs;
  const flowsRecent = r.firingNow && (r.patternLastMs ?? 0) > since;
  const incidentRecent = !!r.incidentLastSeen && Date.parse(r.incidentLastSeen) >= since;
  const present = flowsRecent || incidentRecent;
  const figures: Record<string, number | string> = {
    reason: flowsRecent
      ? `the rule fires and its flows were seen within the last ${Math.round(windowMs / 1000)} s`
      : incidentRecent
        ? `the incident was seen within the last ${Math.round(windowMs / 1000)} s`
        : r.firingNow
          ? `the rule still fires over its window, but its flows were last seen before the last ${Math.round(windowMs / 1000)} s`
          : r.reason,
    firingNow: r.firingNow ? 'yes' : 'no',
    windowSeconds: Math.round(windowMs / 1000),
    ruleWindowFrom: new Date(r.fromMs).toISOString(),
    ruleWindowTo: new Date(r.toMs).toISOString(),
  };
  if (r.patternLastMs) figures.patternLastSeen = new Date(r.patternLastMs).toISOString();
  if (r.incidentId) figures.incidentId = r.incidentId;
  if (r.incidentLastSeen) figures.incidentLastSeen = r.incidentLastSeen;
  if (r.subkind) figures.subkind = r.subkind;
  if (r.rule) {
    figures.rule = r.rule.name;
    figures.threshold = r.rule.threshold;
    figures.observed = r.rule.observed;
  }
  if (r.counts) {
    figures.flows = r.counts.flows;
    figures.packets = r.counts.packets;
    figures.bytes = r.counts.bytes;
    figures.distinctPeers = r.counts.distinctPeers;
  }
  return { holds: r.reason !== NOTHING_HELD, present, responder, figures };
}

/**
 * Answers the worker's live re-checks (libs/queues/src/live-recheck.ts) wherever detection runs
 * (collector, API ingestion, all-in-one): whether the VM side's pattern went on within exactly the
 * window asked (RECHECK_WINDOW), from the engine thread that keeps that VM (liveAnswer). A VM this process does not know,
 * or holds no traffic of, is answered as such, so the worker knows this answer settles nothing.
 */
@Injectable()
export class LiveRecheckResponder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('detection');
  private readonly name = `${hostname()}:${process.pid}`;
  private subscriber: RedisClient | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly detection: DetectionService,
    private readonly inventory: InventoryIndexService,
  ) {}

  onModuleInit(): void {
    // Not awaited: a Redis that is down must not stop start-up (the subscription comes when it does).
    this.subscriber = answerLiveRechecks(
      this.cfg,
      this.cfg.QUEUE_PREFIX,
      this.redis,
      (q) => this.answer(q),
      (err) => this.logger.warn(`live re-check: ${err.message}`),
    ).subscriber;
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  async answer(q: LiveRecheckRequest): Promise<LiveRecheckAnswer> {
    const now = Date.now();
    if (!isFindingKind(q.kind)) return liveAnswer(null, q.windowMs, now, this.name, `unknown kind ${q.kind}`);
    // A detector (FLOW_BUS=nats) answers for the VMs of its partitions only, once their windows are whole.
    const own = this.detection.ownership;
    if (own) {
      const p = own.partitionOf(q.vmId);
      if (!own.owns(p))
        return liveAnswer(null, q.windowMs, now, this.name, `VM in flow partition ${p}, another detector’s`);
      if (!own.caughtUp(p))
        return liveAnswer(null, q.windowMs, now, this.name, `flow partition ${p} still replaying its windows`);
    }
    const slot = this.inventory.registry.slotOf(q.vmId);
    if (slot < 0) return liveAnswer(null, q.windowMs, now, this.name, 'VM not in this process’s inventory');
    const r = await this.detection.recheck(slot, q.role, q.kind, ruleWindowFor(q.windowMs));
    return liveAnswer(r, q.windowMs, now, this.name);
  }
}
