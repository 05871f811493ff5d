import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { isCluster, REDIS, type RedisClient } from '@sg/queues';

/**
 * Redis is up when a PING answers within the timeout; a Redis Cluster (REDIS_CLUSTER) when, besides,
 * the node asked says `cluster_state:ok` (every slot served).
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs = 1000) {
    const indicator = this.health.check(key);
    try {
      const problem = await Promise.race([
        this.problem(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
        ),
      ]);
      return problem ? indicator.down({ message: problem }) : indicator.up();
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
  }

  /** What is wrong, or null. */
  private async problem(): Promise<string | null> {
    const pong = await this.redis.ping();
    if (pong !== 'PONG') return `unexpected answer ${pong}`;
    if (!isCluster(this.redis)) return null;
    const info = String(await this.redis.cluster('INFO'));
    const state = /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
    return state === 'ok' ? null : `cluster_state:${state}`;
  }
}
