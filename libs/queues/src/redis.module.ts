import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@sg/common';

/** A general-purpose ioredis client (pub/sub publishing, health pings, small keys). */
export const REDIS = Symbol('REDIS');

/** One Redis server or a Redis Cluster: both take the same commands (a cluster's multi-key ones within one slot). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, or the REDIS_CLUSTER seed nodes (then REDIS_URL gives only user, password and TLS). */
export type RedisTarget = Pick<AppConfig, 'REDIS_URL' | 'REDIS_CLUSTER'>;

export const isCluster = (r: RedisClient): r is Cluster => (r as Cluster).isCluster === true;

const reconnectDelay = (times: number): number => Math.min(times * 200, 2000);

/** What a cluster's node connections take from REDIS_URL: credentials, database 0 only, TLS for rediss:. */
function nodeOptionsFrom(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A client of `target` with the given node options. On a cluster, `clusterOptions` adds what only
 * a cluster knows (sharded subscribers); commands are routed to the slot's master by ioredis.
 */
function connect(
  target: RedisTarget,
  options: RedisOptions,
  clusterOptions: Partial<ClusterOptions> = {},
): RedisClient {
  if (!target.REDIS_CLUSTER.length) return new Redis(target.REDIS_URL, options);
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = options;
  return new Cluster(target.REDIS_CLUSTER, {
    redisOptions: { ...nodeOptionsFrom(target.REDIS_URL), ...nodeOptions },
    clusterRetryStrategy: retryStrategy ?? reconnectDelay,
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...clusterOptions,
  });
}

/**
 * Builds a client that fails fast instead of queueing commands while Redis is unreachable.
 * A subscriber instead queues its SUBSCRIBE until connected (ioredis re-subscribes after reconnects).
 * `sharded`: on a cluster, the subscriber takes SSUBSCRIBE (one connection per master that owns a
 * subscribed channel's slot), for the callers that need an exact count of listeners from SPUBLISH.
 */
export function createRedisClient(target: RedisTarget, name: string, subscriber = false, sharded = false): RedisClient {
  return connect(
    target,
    {
      connectionName: name,
      maxRetriesPerRequest: subscriber ? null : 1,
      enableOfflineQueue: subscriber,
      lazyConnect: false,
      retryStrategy: reconnectDelay,
    },
    sharded ? { shardedSubscribers: true } : {},
  );
}

/**
 * The connection a BullMQ queue is given on a cluster (BullMQ takes a Cluster only as an instance;
 * its workers duplicate it for their own and blocking connections). Null on one Redis: BullMQ then
 * builds its connections from the URL, as it always did.
 */
export function createQueueConnection(target: RedisTarget, name: string): Cluster | null {
  if (!target.REDIS_CLUSTER.length) return null;
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest null for them.
  return connect(target, { connectionName: name, maxRetriesPerRequest: null }) as Cluster;
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (cfg: AppConfig) => {
        const r = createRedisClient(cfg, 'safeguards');
        // Connection errors are reported by /healthz; without a listener ioredis would log each retry as unhandled.
        r.on('error', () => undefined);
        return r;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
