import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics.registry';
import { RedisHealthIndicator } from './redis.health';

/** /healthz and /metrics, served by every role's process. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [RedisHealthIndicator, { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry }],
  exports: [METRICS_REGISTRY],
  controllers: [HealthController, MetricsController],
})
export class OpsModule {}
