import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '@sg/auth';
import { ReadinessChecks } from './readiness';
import { RedisHealthIndicator } from './redis.health';

/**
 * Liveness/readiness for orchestrators and load balancers: 200 when PostgreSQL and Redis answer,
 * 503 naming the one that does not. Public on purpose (probes carry no token); it shows only up/down.
 */
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly readiness: ReadinessChecks,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('healthz')
  @Public()
  @HealthCheck()
  check() {
    return this.health.check(this.pings());
  }

  /** /healthz plus the checks roles register (ReadinessChecks): 503 while, say, a detector still replays. */
  @Get('readyz')
  @Public()
  @HealthCheck()
  ready() {
    return this.health.check([
      ...this.pings(),
      ...this.readiness.entries().map(([key, check]) => () => {
        const indicator = this.indicators.check(key);
        try {
          const s = check();
          return s.ready ? indicator.up(s.details) : indicator.down(s.details);
        } catch (err) {
          return indicator.down({ message: (err as Error).message });
        }
      }),
    ]);
  }

  private pings() {
    return [() => this.db.pingCheck('postgres', { timeout: 1500 }), () => this.redis.check('redis', 1500)];
  }
}
