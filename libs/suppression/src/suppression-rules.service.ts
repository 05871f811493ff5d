import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository, type EntityManager } from 'typeorm';
import { APP_CONFIG, DomainException, type AppConfig } from '@sg/common';
import { rawQuery } from '@sg/db';
import { listenForChanges, REDIS, type FindingKind, type FindingRole, type RedisClient } from '@sg/queues';
import { SuppressionMatcher } from './suppression-matcher';
import type { SuppressionRuleDocument } from './suppression-rule-document';
import { SuppressionRuleEntity } from './suppression-rule.entity';
import { SUPPRESSIONS_CHANGED_CHANNEL } from './suppressions-changed-channel';

/** Even with every announcement lost, a process sees rule changes within this time. */
const CACHE_MS = 30_000;

export interface NewSuppressionRule {
  scope: 'vm' | 'deployment' | 'subscription';
  scopeId: string;
  kind: string;
  role: FindingRole | null;
  peerPrefixes: string[];
  ports: number[];
  reason: string;
  description: string;
  expiresAt: Date | null;
  createdFromCase: string | null;
  createdBy: string;
}

/**
 * Approved exceptions. Detection loads `listActive()` and reloads when SUPPRESSIONS_CHANGED_CHANNEL
 * announces a change, so a new exception applies without a restart. The cases module checks the
 * same rules itself (`matcher()`), so a finding sent before detection reloaded opens no case either.
 */
@Injectable()
export class SuppressionRulesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SuppressionRulesService.name);
  private cached: { matcher: SuppressionMatcher; until: number } | null = null;
  private subscriber: RedisClient | null = null;

  constructor(
    @InjectRepository(SuppressionRuleEntity) private readonly rules: Repository<SuppressionRuleEntity>,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const notices = listenForChanges(this.cfg, 'safeguards-suppressions-sub', SUPPRESSIONS_CHANGED_CHANNEL, {
      onNotice: () => this.invalidate(),
      onReconnect: () => this.invalidate(),
      // The cache expiry covers the gap.
      onSubscribeError: (err) =>
        this.logger.warn(`suppression change subscription failed, relying on expiry: ${err.message}`),
    });
    this.subscriber = notices.subscriber;
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  /** Rules in force now (not revoked, not expired), in the shape detection uses. */
  async listActive(now = new Date()): Promise<SuppressionRuleDocument[]> {
    const rows = await this.rules
      .createQueryBuilder('r')
      .where('r.revokedAt IS NULL')
      .andWhere('(r.expiresAt IS NULL OR r.expiresAt > :now)', { now })
      .orderBy('r.createdAt', 'ASC')
      .getMany();
    return rows.map(toDocument);
  }

  list(includeRevoked: boolean): Promise<SuppressionRuleEntity[]> {
    return this.rules.find({
      where: includeRevoked ? {} : { revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
      take: 1000,
    });
  }

  /** The matcher over the active rules, cached per process. */
  async matcher(): Promise<SuppressionMatcher> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.matcher;
    const matcher = new SuppressionMatcher(await this.listActive());
    this.cached = { matcher, until: Date.now() + CACHE_MS };
    return matcher;
  }

  /** Creates a rule inside the caller's transaction; call `announce()` after it commits. */
  async create(m: EntityManager, r: NewSuppressionRule): Promise<SuppressionRuleEntity> {
    const ins = await m.insert(SuppressionRuleEntity, { ...r, matchedCount: 0 });
    return m.findOneOrFail(SuppressionRuleEntity, { where: { id: ins.identifiers[0].id as string } });
  }

  async revoke(id: string, by: string): Promise<SuppressionRuleEntity> {
    const found = await this.rules.findOne({ where: { id } });
    if (!found) throw DomainException.notFound('suppression rule', id);
    if (!found.revokedAt) {
      await this.rules.update(id, { revokedAt: new Date(), revokedBy: by });
    }
    await this.announce(id);
    return this.rules.findOneOrFail({ where: { id } });
  }

  /** Counts findings a rule suppressed (responders see which exceptions are in use). */
  async recordMatches(m: EntityManager, hits: Map<string, { n: number; at: Date }>): Promise<void> {
    const ids = [...hits.keys()].filter((id) => UUID.test(id));
    if (!ids.length) return;
    await rawQuery(
      m,
      `UPDATE suppression_rules r SET matched_count = r.matched_count + t.n,
              last_matched_at = GREATEST(r.last_matched_at, t.at)
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS t(id, n, at)
        WHERE r.id = t.id`,
      [ids, ids.map((id) => hits.get(id)!.n), ids.map((id) => hits.get(id)!.at)],
    );
  }

  /** Drops this process's cache and tells the others (detection included). */
  async announce(ruleId: string): Promise<void> {
    this.invalidate();
    await this.redis.publish(SUPPRESSIONS_CHANGED_CHANNEL, ruleId).catch((err: Error) => {
      this.logger.warn(
        `could not announce a suppression change (others catch up within ${CACHE_MS} ms): ${err.message}`,
      );
    });
  }

  private invalidate(): void {
    this.cached = null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toDocument(r: SuppressionRuleEntity): SuppressionRuleDocument {
  const scope =
    r.scope === 'vm'
      ? { vmId: r.scopeId }
      : r.scope === 'deployment'
        ? { deploymentId: r.scopeId }
        : { subscriptionId: r.scopeId };
  return {
    id: r.id,
    scope,
    kind: r.kind as FindingKind,
    ...(r.role ? { role: r.role } : {}),
    ...(r.peerPrefixes.length ? { peerPrefixes: r.peerPrefixes } : {}),
    ...(r.ports.length ? { ports: r.ports } : {}),
    reason: r.reason,
    ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}),
  };
}
