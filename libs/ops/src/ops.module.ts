import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { RedisHealthIndicator } from './redis.health';

/** /healthz and /metrics, served by every role's process. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [RedisHealthIndicator],
  controllers: [HealthController, MetricsController],
})
export class OpsModule {}
