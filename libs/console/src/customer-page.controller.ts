import { Controller, Get, Inject, Logger, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, CustomerLinks, type AppConfig } from '@sg/common';
import { Public } from '@sg/auth';
import {
  CaseActionsService,
  CaseQueryService,
  CustomerActionsService,
  toCaseView,
  type CustomerActionResult,
} from '@sg/cases';
import { evidenceModel, narrative } from './case-page.model';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleError, field, sameToken, type ConsoleRequest } from './console-http';
import { ConsoleViews } from './console-views';

/** Who the timeline names as the sender of what came through the page. */
const FROM = 'customer page (signed link)';

/**
 * The owner's page of one case, reached by the signed, expiring link in every red e-mail and
 * notice: what the owner may see (no responder notes), the evidence, the deadline and what happens
 * at it, and the three answers of an e-mail reply — through the same CustomerActionsService and
 * the same first-extension policy — landing on the timeline.
 */
@ApiExcludeController()
@Public()
@UseFilters(ConsoleExceptionFilter)
@Controller('c')
export class CustomerPageController {
  private readonly logger = new Logger('customer-page');

  constructor(
    private readonly links: CustomerLinks,
    private readonly views: ConsoleViews,
    private readonly query: CaseQueryService,
    private readonly customer: CustomerActionsService,
    private readonly actions: CaseActionsService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() res: Response) {
    await this.render(res, token, this.caseOf(token), null);
  }

  @Post(':token/:answer')
  async answer(
    @Param('token') token: string,
    @Param('answer') answer: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ) {
    const caseId = this.caseOf(token);
    if (!sameToken(field(req, '_csrf'), this.links.formToken(token))) {
      throw new ConsoleError(403, 'The form was not sent from this page (missing or wrong CSRF token).');
    }
    let result: CustomerActionResult;
    if (answer === 'extension') {
      const hours = Number(field(req, 'hours'));
      if (!Number.isInteger(hours) || hours < 1 || hours > 720)
        throw new ConsoleError(400, 'Choose how many hours you need.');
      const requestedMs = hours * 3_600_000;
      result = await this.customer.requestExtension(caseId, {
        from: FROM,
        text: field(req, 'text').slice(0, 10_000),
        requestedMs,
      });
      if (result.accepted) result = (await this.grantFirstShortExtension(caseId, requestedMs)) ?? result;
    } else if (answer === 'exception') {
      const description = field(req, 'description').slice(0, 10_000);
      if (!description) throw new ConsoleError(400, 'Describe the normal traffic.');
      result = await this.customer.requestException(caseId, { description, from: FROM });
    } else if (answer === 'fixed') {
      const text = field(req, 'text').slice(0, 10_000);
      if (!text) throw new ConsoleError(400, 'Say what you did.');
      // Recorded on the timeline either way: a live case is re-checked at once; a shut-down one
      // waits for a responder to restart it.
      result = await this.customer.reportFixed(caseId, { from: FROM, text });
    } else throw new ConsoleError(404, 'No such answer.');
    await this.render(res, token, caseId, result);
  }

  /** The e-mail policy (CaseActionsService.grantFirstExtensionByPolicy): a short first request is granted at once. */
  private async grantFirstShortExtension(caseId: string, requestedMs: number): Promise<CustomerActionResult | null> {
    const after = await this.actions.grantFirstExtensionByPolicy(caseId, requestedMs);
    return after
      ? {
          accepted: true,
          status: after.status,
          message: `Granted: the new deadline is ${after.deadlineAt?.toISOString()}.`,
        }
      : null;
  }

  private caseOf(token: string): string {
    const v = this.links.verify(token);
    if ('refused' in v) {
      this.logger.warn({ reason: v.refused }, 'customer link refused');
      throw new ConsoleError(
        404,
        'This link is not valid: it may have expired. Use the link in the latest e-mail about your case, or answer that e-mail.',
      );
    }
    return v.caseId;
  }

  private async render(res: Response, token: string, caseId: string, result: CustomerActionResult | null) {
    const entity = await this.query.find(caseId);
    if (!entity) throw new ConsoleError(404, 'This case no longer exists.');
    const c = toCaseView(entity);
    const timeline = await this.query.customerTimeline(caseId);
    res
      .status(result && !result.accepted ? 409 : 200)
      .type('html')
      .setHeader('referrer-policy', 'no-referrer')
      .send(
        this.views.page('customer', {
          title: `Case SG-${c.number}`,
          session: null,
          customer: true,
          c,
          narrativeTitle: `${c.kind.replace(/-/g, ' ')} ${c.role === 'source' ? 'from' : 'against'} your VM`,
          narrative: narrative(c),
          recommendations: c.recommendations,
          ...evidenceModel(c.evidence),
          timeline,
          open: !entity.closedAt,
          shutDown: entity.status === 'shut-down',
          base: `/c/${token}`,
          csrf: this.links.formToken(token),
          result,
        }),
      );
  }
}
