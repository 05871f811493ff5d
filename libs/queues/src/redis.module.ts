import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@sg/common';

/** A general-purpose ioredis client (pub/sub publishing, health pings, small keys). */
export const REDIS = Symbol('REDIS');

/**
 * Builds a client that fails fast instead of queueing commands while Redis is unreachable.
 * A subscriber instead queues its SUBSCRIBE until connected (ioredis re-subscribes after reconnects).
 */
export function createRedisClient(url: string, name: string, subscriber = false): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: subscriber ? null : 1,
    enableOfflineQueue: subscriber,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (cfg: AppConfig) => {
        const r = createRedisClient(cfg.REDIS_URL, 'safeguards');
        // Connection errors are reported by /healthz; without a listener ioredis would log each retry as unhandled.
        r.on('error', () => undefined);
        return r;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
