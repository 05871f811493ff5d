import { isIP } from 'node:net';
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { z } from 'zod';
import { DomainException, ErrorCode } from '@sg/common';
import { Public, TokenRole, TokenService } from '@sg/auth';
import {
  approveExceptionSchema,
  assignSchema,
  CASE_STATUSES,
  CLOSED_STATUSES,
  CaseActionsService,
  CaseBoardService,
  CaseQueryService,
  caseIdSchema,
  closeSchema,
  grantExtensionSchema,
  noteSchema,
  optionalReasonSchema,
  reasonSchema,
  type QueueCursor,
  type QueueFilter,
  type ResponderRef,
} from '@sg/cases';
import { InventoryCrudService, InventoryIndexService } from '@sg/inventory';
import { SuppressionRulesService } from '@sg/suppression';
import { DbAlertsService } from '@sg/dbwatch';
import { FINDING_DIRECTIONS, FINDING_KINDS, FINDING_ROLES } from '@sg/queues';
import { CASE_CORRESPONDENCE, type CaseCorrespondenceReader } from './case-correspondence';
import { evidenceModel, narrative } from './case-page.model';
import { barChart } from './charts';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { AdminOnly, ConsoleGuard } from './console.guard';
import { ConsoleError, ConsoleRedirect, field, type ConsoleRequest } from './console-http';
import type { ConsoleSession } from './console-session.service';
import { ConsoleViews } from './console-views';
import { ConsoleLive } from './console-live.service';
import { StaleWhileRevalidate } from './overview-cache';

const OPEN_STATUSES = CASE_STATUSES.filter((s) => !CLOSED_STATUSES.includes(s));
const PAGE = 50;
/** The overview's 7-day lists (open and closed cases), by their `acted` query value. */
const ACTED: Record<string, string> = {
  'shut-down-7d': 'Cases whose deployment was shut down in the last 7 days, open or closed.',
  'restarted-7d': 'Cases whose deployment was restarted in the last 7 days, open or closed.',
};

/** The form actions, each through the API's own input schema and CaseActionsService. */
const ACTIONS: Record<
  string,
  {
    schema: z.ZodType;
    done: string;
    /** Destructive: asks again, naming the deployment, until `confirm` is the deployment id. */
    confirm?: { heading: string; button: string; warning: string };
    run: (a: CaseActionsService, id: string, who: ResponderRef, b: never) => Promise<unknown>;
  }
> = {
  assign: {
    schema: assignSchema,
    done: 'Assigned.',
    run: (a, id, who, b: z.output<typeof assignSchema>) => a.assign(id, who, b.assignee),
  },
  notes: {
    schema: noteSchema,
    done: 'Note added.',
    run: (a, id, who, b: z.output<typeof noteSchema>) => a.note(id, who, b.text),
  },
  'extension/grant': {
    schema: grantExtensionSchema,
    done: 'Extension granted: the deadline moved.',
    run: (a, id, who, b: z.output<typeof grantExtensionSchema>) =>
      a.grantExtension(id, who, { ms: b.duration, until: b.until, reason: b.reason }),
  },
  'extension/deny': {
    schema: reasonSchema,
    done: 'Extension denied.',
    run: (a, id, who, b: z.output<typeof reasonSchema>) => a.denyExtension(id, who, b.reason),
  },
  'exception/approve': {
    schema: approveExceptionSchema,
    done: 'Exception approved: the case is closed as expected behaviour.',
    run: (a, id, who, b: z.output<typeof approveExceptionSchema>) =>
      a.approveException(id, who, {
        ...b,
        expiresAt: b.expiresAt ?? (b.duration ? new Date(Date.now() + b.duration) : null),
      }),
  },
  'exception/reject': {
    schema: reasonSchema,
    done: 'Exception rejected.',
    run: (a, id, who, b: z.output<typeof reasonSchema>) => a.rejectException(id, who, b.reason),
  },
  hold: {
    schema: reasonSchema,
    done: 'Escalation held.',
    run: (a, id, who, b: z.output<typeof reasonSchema>) => a.hold(id, who, b.reason),
  },
  release: {
    schema: optionalReasonSchema,
    done: 'Hold released.',
    run: (a, id, who, b: z.output<typeof optionalReasonSchema>) => a.release(id, who, b.reason),
  },
  escalate: {
    schema: reasonSchema,
    done: 'Escalated: the traffic is re-checked now.',
    confirm: {
      heading: 'Escalate now?',
      button: 'Escalate now',
      warning: 'The traffic is re-checked now; if it goes on, the deployment is shut down.',
    },
    run: (a, id, who, b: z.output<typeof reasonSchema>) => a.escalateNow(id, who, b.reason),
  },
  shutdown: {
    schema: reasonSchema,
    done: 'Shutdown requested.',
    confirm: {
      heading: 'Shut the deployment down?',
      button: 'Shut down',
      warning: 'Every VM of the deployment stops now.',
    },
    run: (a, id, who, b: z.output<typeof reasonSchema>) => a.shutdownNow(id, who, b.reason),
  },
  restart: {
    schema: reasonSchema,
    done: 'Restart requested.',
    confirm: { heading: 'Restart the deployment?', button: 'Restart', warning: 'The deployment is started again.' },
    run: (a, id, who, b: z.output<typeof reasonSchema>) => a.restart(id, who, b.reason),
  },
  close: {
    schema: closeSchema,
    done: 'Case closed.',
    confirm: { heading: 'Close the case?', button: 'Close the case', warning: 'A closed case no longer escalates.' },
    run: (a, id, who, b: z.output<typeof closeSchema>) => a.close(id, who, b),
  },
};

const FORM_FIELDS = [
  'assignee',
  'text',
  'duration',
  'until',
  'reason',
  'scope',
  'description',
  'resolution',
  'duplicateOf',
];

/**
 * The responder console: the queue, a case with its actions, the address lookup, the overview and
 * (admins) tokens and policies. Server-rendered; every action goes through the services the REST
 * API uses, with the API's own input schemas.
 */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsolePagesController {
  private readonly overviewCache: StaleWhileRevalidate<Awaited<ReturnType<CaseBoardService['overview']>>>;
  private readonly dbAlertCounts: StaleWhileRevalidate<Awaited<ReturnType<DbAlertsService['openCounts']>>>;

  constructor(
    private readonly views: ConsoleViews,
    private readonly board: CaseBoardService,
    private readonly query: CaseQueryService,
    private readonly actions: CaseActionsService,
    private readonly rules: SuppressionRulesService,
    private readonly index: InventoryIndexService,
    private readonly inventory: InventoryCrudService,
    private readonly tokens: TokenService,
    private readonly live: ConsoleLive,
    @Inject(CASE_CORRESPONDENCE) private readonly mail: CaseCorrespondenceReader,
    private readonly dbAlerts: DbAlertsService,
  ) {
    this.overviewCache = new StaleWhileRevalidate(() => this.board.overview(), 30_000);
    this.dbAlertCounts = new StaleWhileRevalidate(() => this.dbAlerts.openCounts(), 30_000);
  }

  @Get()
  async queue(@Req() req: ConsoleRequest, @Res() res: Response, @Query() q: Record<string, string>) {
    const s = req.consoleSession!;
    const str = (k: string) => (typeof q[k] === 'string' ? q[k].trim().slice(0, 200) : '');
    const f = {
      q: str('q'),
      status: OPEN_STATUSES.includes(str('status') as never) ? str('status') : '',
      kind: str('kind'),
      role: FINDING_ROLES.includes(str('role') as never) ? str('role') : '',
      direction: FINDING_DIRECTIONS.includes(str('direction') as never) ? str('direction') : '',
      subscription: str('subscription'),
      assignee: str('assignee'),
      mine: str('mine') === '1',
      pending: str('pending') === '1',
      due: str('due') === '24h' ? '24h' : '',
      acted: ACTED[str('acted')] ? str('acted') : '',
    };
    const week = new Date(Date.now() - 7 * 86_400_000);
    const filter: QueueFilter = {
      status: f.status ? [f.status] : undefined,
      kind: f.kind || undefined,
      role: f.role || undefined,
      direction: f.direction || undefined,
      subscriptionId: f.subscription || undefined,
      assignee: f.mine ? s.name : f.assignee || undefined,
      pending: f.pending,
      deadlineBefore: f.due ? new Date(Date.now() + 86_400_000) : undefined,
      shutDownSince: f.acted === 'shut-down-7d' ? week : undefined,
      restartedSince: f.acted === 'restarted-7d' ? week : undefined,
      after: decodeCursor(str('after')),
      limit: PAGE,
    };
    if (f.q) {
      if (isIP(f.q)) filter.vmIds = (await this.inventory.addressHistory(f.q)).map((h) => h.vmId);
      else filter.search = f.q;
    }
    const { items, next } = await this.board.queue(filter);
    const link = (after: QueueCursor | null) => {
      const u = new URLSearchParams(
        Object.entries(q).filter(([k, v]) => k !== 'after' && k !== 'fragment' && v) as [string, string][],
      );
      if (after) u.set('after', encodeCursor(after));
      const qs = u.toString();
      return `/console${qs ? `?${qs}` : ''}`;
    };
    const model = {
      rows: items,
      f,
      actedText: f.acted ? ACTED[f.acted] : null,
      now: new Date(),
      after: filter.after ? true : false,
      nextUrl: next ? link(next) : null,
      firstUrl: link(null),
      options: {
        status: OPEN_STATUSES,
        kind: FINDING_KINDS,
        role: FINDING_ROLES,
        direction: FINDING_DIRECTIONS,
      },
    };
    if (q.fragment === '1') return res.type('html').send(this.views.fragment('queue-table', model));
    res.type('html').send(this.views.page('queue', { title: 'Case queue', session: s, ...model }));
  }

  /** Server-sent events: `cases` whenever open cases changed (one shared poll for all listeners). */
  @Get('events')
  events(@Req() req: ConsoleRequest, @Res() res: Response) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 10000\n\n');
    const off = this.live.subscribe((stamp) => res.write(`event: cases\ndata: ${stamp}\n\n`));
    req.on('close', off);
  }

  @Get('cases/:id')
  async casePage(
    @Param('id') id: string,
    @Query('done') done: string | undefined,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ) {
    const s = req.consoleSession!;
    const caseId = await this.resolveCaseId(id);
    const [d, mail] = await Promise.all([this.query.detail(caseId), this.mail.forCase(caseId)]);
    const events = [
      ...d.timeline.map((t) => ({ kind: 'entry', ...t, internal: t.visibility === 'internal' })),
      ...mail.out.map((m) => ({ kind: 'mail-out', internal: false, ...m, at: new Date(m.at).toISOString() })),
      ...mail.in.map((m) => ({ kind: 'mail-in', internal: false, ...m, at: new Date(m.at).toISOString() })),
    ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const doneText = done && ACTIONS[done] ? ACTIONS[done].done : null;
    res.type('html').send(
      this.views.page('case', {
        title: `SG-${d.number}`,
        session: s,
        c: d,
        narrative: `${narrative(d)} ${d.recommendations.summary}`,
        ...evidenceModel(d.evidence),
        events,
        csrf: s.csrf,
        me: s.name,
        done: doneText,
      }),
    );
  }

  @Post('cases/:id/:group/:verb')
  actTwo(
    @Param('id') id: string,
    @Param('group') g: string,
    @Param('verb') v: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ) {
    return this.act(id, `${g}/${v}`, req, res);
  }

  @Post('cases/:id/:action')
  actOne(@Param('id') id: string, @Param('action') action: string, @Req() req: ConsoleRequest, @Res() res: Response) {
    return this.act(id, action, req, res);
  }

  private async act(rawId: string, name: string, req: ConsoleRequest, res: Response) {
    const s = req.consoleSession!;
    const spec = ACTIONS[name];
    if (!spec) throw new ConsoleError(404, `No action ${name}.`);
    const id = parseCaseId(rawId);
    const body: Record<string, unknown> = {};
    for (const k of FORM_FIELDS) {
      const v = field(req, k);
      if (v) body[k] = v;
    }
    if (name === 'assign') body.assignee = field(req, 'assignee') || null;
    const parsed = spec.schema.safeParse(body);
    if (!parsed.success) {
      throw DomainException.validation(
        parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      );
    }
    if (spec.confirm) {
      const c = await this.query.find(id);
      if (!c) throw DomainException.notFound('case', id);
      if (field(req, 'confirm') !== c.deploymentId) {
        res
          .status(field(req, 'confirm') ? 400 : 200)
          .type('html')
          .send(
            this.views.page('confirm', {
              title: spec.confirm.heading,
              session: s,
              heading: `${spec.confirm.heading} Deployment ${c.deploymentId}`,
              warning: `${spec.confirm.warning} Case SG-${c.number}, deployment ${c.deploymentId} (VM ${c.vmId}).${field(req, 'confirm') ? ' The id typed did not match.' : ''}`,
              action: `/console/cases/${id}/${name}`,
              hidden: Object.entries(body).map(([k, v]) => ({ name: k, value: String(v) })),
              deploymentId: c.deploymentId,
              caseId: id,
              button: `${spec.confirm.button} ${c.deploymentId}`,
              csrf: s.csrf,
            }),
          );
        return;
      }
    }
    await spec.run(this.actions, id, { name: s.name }, parsed.data as never);
    res.redirect(303, `/console/cases/${id}?done=${encodeURIComponent(name)}`);
  }

  @Get('lookup')
  async lookup(
    @Req() req: ConsoleRequest,
    @Res() res: Response,
    @Query('ip') ipRaw?: string,
    @Query('at') atRaw?: string,
  ) {
    const ip = (ipRaw ?? '').trim();
    const at = (atRaw ?? '').trim();
    const base = { title: 'Address lookup', session: req.consoleSession!, ip, at, searched: false, error: null };
    if (!ip) return res.type('html').send(this.views.page('lookup', base));
    const atMs = at ? Date.parse(at) : Date.now();
    if (!isIP(ip) || Number.isNaN(atMs)) {
      return res
        .status(400)
        .type('html')
        .send(
          this.views.page('lookup', {
            ...base,
            error: !isIP(ip) ? `“${ip}” is not an IP address.` : `“${at}” is not a time.`,
          }),
        );
    }
    const history = await this.inventory.addressHistory(ip);
    const owner = this.index.lookup(ip, atMs);
    const holder = owner
      ? (history.find(
          (h) =>
            h.vmId === owner.vmId &&
            (!h.from || new Date(h.from).getTime() <= atMs) &&
            (!h.to || new Date(h.to).getTime() > atMs),
        ) ?? null)
      : null;
    const cases = await this.board.forVms([...new Set(history.map((h) => h.vmId))], 50);
    res
      .type('html')
      .send(this.views.page('lookup', { ...base, searched: true, atTime: new Date(atMs), holder, history, cases }));
  }

  @Get('overview')
  async overview(@Req() req: ConsoleRequest, @Res() res: Response) {
    const [{ value: o, computedAt, stale }, { value: dbOpen }] = await Promise.all([
      this.overviewCache.get(),
      this.dbAlertCounts.get(),
    ]);
    const days: string[] = [];
    for (let i = 13; i >= 0; i--) days.push(new Date(Date.now() - i * 86_400_000).toISOString().slice(0, 10));
    const per = (dir: string) =>
      days.map((d) => o.openedPerDay.find((r) => r.day === d && r.direction === dir)?.count ?? 0);
    const chart = barChart({
      title: 'Cases opened per day by direction',
      desc: `Cases opened each day over the last 14 days: inbound (attacks on our VMs), outbound (attacks by them) and internal.`,
      labels: days.map((d) => d.slice(5)),
      series: [
        { name: 'inbound', color: '#1d4ed8', values: per('inbound') },
        { name: 'outbound', color: '#b91c1c', values: per('outbound') },
        { name: 'internal', color: '#92400e', values: per('internal') },
      ],
    });
    res.type('html').send(
      this.views.page('overview', {
        title: 'Overview',
        session: req.consoleSession!,
        o,
        computedAt,
        stale,
        chart,
        dbOpen,
        dbOpenTotal: dbOpen.reduce((n, r) => n + r.count, 0),
      }),
    );
  }

  @Get('admin/tokens')
  @AdminOnly()
  async tokensPage(@Req() req: ConsoleRequest, @Res() res: Response) {
    await this.renderTokens(req.consoleSession!, res, null);
  }

  @Post('admin/tokens')
  @AdminOnly()
  async createToken(@Req() req: ConsoleRequest, @Res() res: Response) {
    const name = field(req, 'name');
    const role = field(req, 'role') as TokenRole;
    if (!name || name.length > 200 || ![TokenRole.ADMIN, TokenRole.RESPONDER, TokenRole.INGEST].includes(role)) {
      throw DomainException.validation([{ field: name ? 'role' : 'name', message: 'a name and a role are required' }]);
    }
    await this.renderTokens(req.consoleSession!, res, await this.tokens.create(name, role));
  }

  @Post('admin/tokens/:id/revoke')
  @AdminOnly()
  async revokeToken(@Param('id') id: string, @Res() res: Response) {
    await this.tokens.revoke(id);
    res.redirect(303, '/console/admin/tokens');
  }

  @Get('admin/policies')
  @AdminOnly()
  async policies(@Req() req: ConsoleRequest, @Res() res: Response) {
    const s = req.consoleSession!;
    const rules = await this.rules.list(true);
    res.type('html').send(this.views.page('policies', { title: 'Policies', session: s, rules, csrf: s.csrf }));
  }

  @Post('admin/policies/:id/revoke')
  @AdminOnly()
  async revokePolicy(@Param('id') id: string, @Req() req: ConsoleRequest, @Res() res: Response) {
    await this.rules.revoke(parseCaseId(id), req.consoleSession!.name);
    res.redirect(303, '/console/admin/policies');
  }

  private async renderTokens(
    s: ConsoleSession,
    res: Response,
    created: { name: string; role: string; token: string } | null,
  ) {
    const tokens = await this.tokens.list();
    res.type('html').send(this.views.page('tokens', { title: 'Tokens', session: s, tokens, created, csrf: s.csrf }));
  }

  /** A case by id, or by number (`42`, `SG-42`) as people say it. */
  private async resolveCaseId(raw: string): Promise<string> {
    const n = /^(?:SG-)?(\d{1,15})$/i.exec(raw);
    if (n) {
      const id = await this.board.idByNumber(Number(n[1]));
      if (!id) throw DomainException.notFound('case', raw);
      throw new ConsoleRedirect(`/console/cases/${id}`);
    }
    return parseCaseId(raw);
  }
}

function parseCaseId(raw: string): string {
  const r = caseIdSchema.safeParse(raw);
  if (!r.success) throw new DomainException(ErrorCode.NOT_FOUND, `no case ${raw}`);
  return r.data;
}

function encodeCursor(c: QueueCursor): string {
  return `${c.deadline ?? 'x'}.${c.severityRank}.${c.number}`;
}

function decodeCursor(s: string): QueueCursor | null {
  const m = /^(\d{1,15}|x)\.([0-3])\.(\d{1,15})$/.exec(s);
  return m ? { deadline: m[1] === 'x' ? null : Number(m[1]), severityRank: Number(m[2]), number: Number(m[3]) } : null;
}
