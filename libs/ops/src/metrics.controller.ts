import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Registry } from 'prom-client';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TokenRole, Roles } from '@sg/auth';
import { METRICS_REGISTRY } from './metrics.registry';

/** Prometheus text format; scrape with a bearer token (admin or responder). */
@ApiTags('operations')
@ApiBearerAuth()
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Roles(TokenRole.RESPONDER)
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.registry.contentType);
    res.send(await this.registry.metrics());
  }
}
