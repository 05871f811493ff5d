import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics.registry';
import { ReadinessChecks } from './readiness';
import { RedisHealthIndicator } from './redis.health';

/** /healthz, /readyz and /metrics, served by every role's process. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [RedisHealthIndicator, ReadinessChecks, { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry }],
  exports: [METRICS_REGISTRY, ReadinessChecks],
  controllers: [HealthController, MetricsController],
})
export class OpsModule {}
