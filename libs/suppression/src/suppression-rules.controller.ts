import { Controller, Delete, Get, Param, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { ZodValidationPipe } from '@sg/common';
import { TokenRole, Roles, type AuthedRequest } from '@sg/auth';
import { listRulesQuerySchema, suppressionRuleIdSchema } from './suppression-rule.schemas';
import { SuppressionRulesService } from './suppression-rules.service';

/** Approved exceptions, for responders: what is suppressed, how often it matched, and revoking. */
@ApiTags('cases')
@ApiBearerAuth()
@Roles(TokenRole.RESPONDER)
@Controller('api/v1/suppression-rules')
export class SuppressionRulesController {
  constructor(private readonly rules: SuppressionRulesService) {}

  @Get()
  list(@Query(new ZodValidationPipe(listRulesQuerySchema, 'query')) q: z.output<typeof listRulesQuerySchema>) {
    return this.rules.list(q.includeRevoked);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a rule; detection stops suppressing at once (change announced on Redis)' })
  revoke(@Param('id', new ZodValidationPipe(suppressionRuleIdSchema, 'id')) id: string, @Req() req: AuthedRequest) {
    return this.rules.revoke(id, req.principal?.name ?? 'unknown');
  }
}
