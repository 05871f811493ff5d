import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodValidationPipe } from '@sg/common';
import { TokenRole, Roles, type AuthedRequest } from '@sg/auth';
import { DbAlertsService } from './db-alerts.service';
import {
  alertActionSchema,
  alertIdSchema,
  alertListQuerySchema,
  suppressionInputSchema,
  suppressionSimulateSchema,
} from './dbwatch.schemas';

const schema = (s: z.ZodType) => ({ schema: z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as object });
const body = <T extends z.ZodType>(s: T) => Body(new ZodValidationPipe(s));
const alertId = () => Param('id', new ZodValidationPipe(alertIdSchema, 'id'));
const who = (req: AuthedRequest): string => req.principal?.name ?? 'unknown';

/** Database alerts and their suppression rules (role responder; admin passes too). */
@ApiTags('dbwatch')
@ApiBearerAuth()
@Roles(TokenRole.RESPONDER)
@Controller('api/v1')
export class DbAlertsController {
  constructor(private readonly alerts: DbAlertsService) {}

  @Get('db-alerts')
  @ApiOperation({ summary: 'Database alerts, newest first, filtered by server, type, severity, state and time' })
  list(@Query(new ZodValidationPipe(alertListQuerySchema, 'query')) q: z.output<typeof alertListQuerySchema>) {
    return this.alerts.list(q);
  }

  @Get('db-alerts/:id')
  @ApiOperation({ summary: "An alert with evidence, timeline and the server's login activity an hour either side" })
  detail(@alertId() id: string) {
    return this.alerts.detail(id);
  }

  @Post('db-alerts/:id/dismiss')
  @HttpCode(200)
  @ApiBody(schema(alertActionSchema))
  dismiss(
    @alertId() id: string,
    @body(alertActionSchema) b: z.output<typeof alertActionSchema>,
    @Req() req: AuthedRequest,
  ) {
    return this.alerts.transition(id, 'dismissed', who(req), b.reason);
  }

  @Post('db-alerts/:id/resolve')
  @HttpCode(200)
  @ApiBody(schema(alertActionSchema))
  resolve(
    @alertId() id: string,
    @body(alertActionSchema) b: z.output<typeof alertActionSchema>,
    @Req() req: AuthedRequest,
  ) {
    return this.alerts.transition(id, 'resolved', who(req), b.reason);
  }

  @Get('db-alert-suppressions')
  listSuppressions() {
    return this.alerts.listSuppressions();
  }

  @Post('db-alert-suppressions')
  @ApiOperation({ summary: 'A suppression rule: matching alerts are stored dismissed and never mailed' })
  @ApiBody(schema(suppressionInputSchema))
  createSuppression(
    @body(suppressionInputSchema) b: z.output<typeof suppressionInputSchema>,
    @Req() req: AuthedRequest,
  ) {
    return this.alerts.createSuppression({ ...b, createdBy: who(req) });
  }

  @Post('db-alert-suppressions/simulate')
  @HttpCode(200)
  @ApiOperation({ summary: 'How many past alerts a rule would have dismissed' })
  @ApiBody(schema(suppressionSimulateSchema))
  simulate(@body(suppressionSimulateSchema) b: z.output<typeof suppressionSimulateSchema>) {
    return this.alerts.simulate(b);
  }

  @Delete('db-alert-suppressions/:id')
  @HttpCode(204)
  async deleteSuppression(@alertId() id: string) {
    await this.alerts.deleteSuppression(id);
  }
}
