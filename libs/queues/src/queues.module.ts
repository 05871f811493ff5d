import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { QueueName } from './job-catalogue';
import { QueueService } from './queue.service';
import { queuePrefix } from './queue-prefix';
import { createQueueConnection } from './redis.module';

/**
 * BullMQ on Redis: the queues of the job catalogue, registered once for every role. On one Redis
 * every queue connects through REDIS_URL; on a Redis Cluster (REDIS_CLUSTER) each queue has a
 * cluster connection of its own, closed with it, and a hash-tagged prefix (queuePrefix).
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (cfg: AppConfig) => ({
        // Workers block on Redis; BullMQ requires maxRetriesPerRequest null for them.
        connection: { url: cfg.REDIS_URL, maxRetriesPerRequest: null },
        prefix: cfg.QUEUE_PREFIX,
      }),
    }),
    ...Object.values(QueueName).map((name) =>
      BullModule.registerQueueAsync({
        name,
        inject: [APP_CONFIG],
        useFactory: (cfg: AppConfig) => {
          const connection = createQueueConnection(cfg, `safeguards-queue-${name}`);
          if (!connection) return {};
          connection.on('error', () => undefined);
          return { connection, prefix: queuePrefix(cfg, name), forceDisconnectOnShutdown: true };
        },
      }),
    ),
  ],
  providers: [QueueService],
  exports: [QueueService, BullModule],
})
export class QueuesModule {}
