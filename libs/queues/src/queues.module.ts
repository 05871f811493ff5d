import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { QueueName } from './job-catalogue';
import { QueueService } from './queue.service';

/** BullMQ on Redis: the queues of the job catalogue, registered once for every role. */
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
    ...Object.values(QueueName).map((name) => BullModule.registerQueue({ name })),
  ],
  providers: [QueueService],
  exports: [QueueService, BullModule],
})
export class QueuesModule {}
