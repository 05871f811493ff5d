import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { ZodValidationPipe } from '@sg/common';
import { TokenRole, Roles, type AuthedRequest } from '@sg/auth';
import { CaseActionsService, type ResponderRef } from '../domain/case-actions.service';
import { CaseQueryService } from '../domain/case-query.service';
import {
  approveExceptionSchema,
  assignSchema,
  caseIdSchema,
  closeSchema,
  grantExtensionSchema,
  listCasesQuerySchema,
  noteSchema,
  optionalReasonSchema,
  reasonSchema,
} from './case.schemas';
import { toCaseView } from '../domain/case-view';

const schema = (s: z.ZodType) => ({ schema: z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as object });
const body = <T extends z.ZodType>(s: T) => Body(new ZodValidationPipe(s));
const caseId = () => Param('id', new ZodValidationPipe(caseIdSchema, 'id'));
const who = (req: AuthedRequest): ResponderRef => ({ name: req.principal?.name ?? 'unknown' });

/**
 * The responder API over cases (role responder; admin passes too). Actions answer the case as it
 * is afterwards; a move the case's status does not allow answers 409 naming that status.
 */
@ApiTags('cases')
@ApiBearerAuth()
@Roles(TokenRole.RESPONDER)
@Controller('api/v1/cases')
export class CasesController {
  constructor(
    private readonly query: CaseQueryService,
    private readonly actions: CaseActionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List cases, newest first; the total is in X-Total-Count' })
  async list(
    @Query(new ZodValidationPipe(listCasesQuerySchema, 'query')) q: z.output<typeof listCasesQuerySchema>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { items, total } = await this.query.list(q);
    res.setHeader('X-Total-Count', String(total));
    return items;
  }

  @Get(':id')
  @ApiOperation({ summary: 'A case with evidence, recommendations, timeline, findings and control-plane requests' })
  detail(@caseId() id: string) {
    return this.query.detail(id);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @ApiBody(schema(assignSchema))
  async assign(@caseId() id: string, @body(assignSchema) b: z.output<typeof assignSchema>, @Req() req: AuthedRequest) {
    return toCaseView(await this.actions.assign(id, who(req), b.assignee));
  }

  @Post(':id/notes')
  @HttpCode(200)
  @ApiOperation({ summary: 'An internal note (never shown to the owner)' })
  @ApiBody(schema(noteSchema))
  async note(@caseId() id: string, @body(noteSchema) b: z.output<typeof noteSchema>, @Req() req: AuthedRequest) {
    return toCaseView(await this.actions.note(id, who(req), b.text));
  }

  @Post(':id/extension/grant')
  @HttpCode(200)
  @ApiOperation({ summary: 'Grant an extension (the owner’s request, or a duration/until), within the limits' })
  @ApiBody(schema(grantExtensionSchema))
  async grantExtension(
    @caseId() id: string,
    @body(grantExtensionSchema) b: z.output<typeof grantExtensionSchema>,
    @Req() req: AuthedRequest,
  ) {
    return toCaseView(
      await this.actions.grantExtension(id, who(req), { ms: b.duration, until: b.until, reason: b.reason }),
    );
  }

  @Post(':id/extension/deny')
  @HttpCode(200)
  @ApiBody(schema(reasonSchema))
  async denyExtension(
    @caseId() id: string,
    @body(reasonSchema) b: z.output<typeof reasonSchema>,
    @Req() req: AuthedRequest,
  ) {
    return toCaseView(await this.actions.denyExtension(id, who(req), b.reason));
  }

  @Post(':id/exception/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve an exception: creates a suppression rule and closes the case as expected behaviour',
  })
  @ApiBody(schema(approveExceptionSchema))
  async approveException(
    @caseId() id: string,
    @body(approveExceptionSchema) b: z.output<typeof approveExceptionSchema>,
    @Req() req: AuthedRequest,
  ) {
    const expiresAt = b.expiresAt ?? (b.duration ? new Date(Date.now() + b.duration) : null);
    return toCaseView(await this.actions.approveException(id, who(req), { ...b, expiresAt }));
  }

  @Post(':id/exception/reject')
  @HttpCode(200)
  @ApiBody(schema(reasonSchema))
  async rejectException(
    @caseId() id: string,
    @body(reasonSchema) b: z.output<typeof reasonSchema>,
    @Req() req: AuthedRequest,
  ) {
    return toCaseView(await this.actions.rejectException(id, who(req), b.reason));
  }

  @Post(':id/hold')
  @HttpCode(200)
  @ApiOperation({ summary: 'Hold escalation (a shutdown not yet sent is called off)' })
  @ApiBody(schema(reasonSchema))
  async hold(@caseId() id: string, @body(reasonSchema) b: z.output<typeof reasonSchema>, @Req() req: AuthedRequest) {
    return toCaseView(await this.actions.hold(id, who(req), b.reason));
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release the hold; a deadline already passed escalates at once' })
  @ApiBody(schema(optionalReasonSchema))
  async release(
    @caseId() id: string,
    @body(optionalReasonSchema) b: z.output<typeof optionalReasonSchema>,
    @Req() req: AuthedRequest,
  ) {
    return toCaseView(await this.actions.release(id, who(req), b.reason));
  }

  @Post(':id/escalate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Bring the deadline to now: re-check the traffic, then shut down or mitigate' })
  @ApiBody(schema(reasonSchema))
  async escalate(
    @caseId() id: string,
    @body(reasonSchema) b: z.output<typeof reasonSchema>,
    @Req() req: AuthedRequest,
  ) {
    return toCaseView(await this.actions.escalateNow(id, who(req), b.reason));
  }

  @Post(':id/shutdown')
  @HttpCode(200)
  @ApiOperation({ summary: 'Shut the deployment down now (no re-check; the reason is the explanation)' })
  @ApiBody(schema(reasonSchema))
  async shutdown(
    @caseId() id: string,
    @body(reasonSchema) b: z.output<typeof reasonSchema>,
    @Req() req: AuthedRequest,
  ) {
    return toCaseView(await this.actions.shutdownNow(id, who(req), b.reason));
  }

  @Post(':id/restart')
  @HttpCode(200)
  @ApiBody(schema(reasonSchema))
  async restart(@caseId() id: string, @body(reasonSchema) b: z.output<typeof reasonSchema>, @Req() req: AuthedRequest) {
    return toCaseView(await this.actions.restart(id, who(req), b.reason));
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close with a resolution: true-positive, false-positive or duplicate (with duplicateOf)' })
  @ApiBody(schema(closeSchema))
  async close(@caseId() id: string, @body(closeSchema) b: z.output<typeof closeSchema>, @Req() req: AuthedRequest) {
    return toCaseView(await this.actions.close(id, who(req), b));
  }
}
