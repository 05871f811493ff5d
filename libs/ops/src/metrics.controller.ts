import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@sg/auth';
import { metricsRegistry } from './metrics.registry';

/** Prometheus text format; scrape with a bearer token (admin or responder). */
@ApiTags('operations')
@ApiBearerAuth()
@Controller()
export class MetricsController {
  @Get('metrics')
  @Roles(Role.RESPONDER)
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
