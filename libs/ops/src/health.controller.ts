import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '@sg/auth';
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
  ) {}

  @Get('healthz')
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      () => this.redis.check('redis', 1500),
    ]);
  }
}
