import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainException, ErrorCode } from '@sg/common';
import { Public } from '@sg/auth';
import {
  DB_ALERT_SEVERITIES,
  DB_ALERT_TYPES,
  DbAlertsService,
  DbServersService,
  type DbAlertFilter,
  type DbAlertState,
} from '@sg/dbwatch';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleGuard } from './console.guard';
import { ConsoleError, field, type ConsoleRequest } from './console-http';
import { ConsoleViews } from './console-views';

const PAGE = 50;
const STATES: DbAlertState[] = ['open', 'dismissed', 'resolved'];
const alertId = z.uuid();
const SERVER_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const VERBS: Record<string, { to: Exclude<DbAlertState, 'open'>; done: string }> = {
  dismiss: { to: 'dismissed', done: 'Alert dismissed.' },
  resolve: { to: 'resolved', done: 'Alert resolved.' },
};

type Detail = Awaited<ReturnType<DbAlertsService['detail']>>;
type Activity = Detail['activity'][number];

/**
 * The console's database alert pages: the list (the same filters as GET /api/v1/db-alerts), an
 * alert with its evidence, the server's logins around it and its timeline, and dismiss / resolve
 * through DbAlertsService as the API's POST …/dismiss|resolve.
 */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console/db-alerts')
export class ConsoleDbAlertsController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly alerts: DbAlertsService,
    private readonly servers: DbServersService,
  ) {}

  @Get()
  async list(@Req() req: ConsoleRequest, @Res() res: Response, @Query() q: Record<string, string>) {
    const str = (k: string) => (typeof q[k] === 'string' ? q[k].trim().slice(0, 200) : '');
    const f = {
      serverId: SERVER_ID.test(str('serverId')) ? str('serverId') : '',
      type: DB_ALERT_TYPES.includes(str('type') as never) ? str('type') : '',
      severity: DB_ALERT_SEVERITIES.includes(str('severity') as never) ? str('severity') : '',
      state: STATES.includes(str('state') as never) ? str('state') : '',
      from: str('from'),
      to: str('to'),
    };
    const from = parseTime(f.from);
    const to = parseTime(f.to);
    const errors = [
      ...(from === undefined ? [`“${f.from}” is not a time (from).`] : []),
      ...(to === undefined ? [`“${f.to}” is not a time (to).`] : []),
    ];
    const page = Math.min(Math.max(Number.parseInt(str('page'), 10) || 1, 1), 10_000);
    const filter: DbAlertFilter = {
      serverId: f.serverId || undefined,
      type: f.type || undefined,
      severity: (f.severity || undefined) as DbAlertFilter['severity'],
      state: (f.state || undefined) as DbAlertState | undefined,
      from: from ?? undefined,
      to: to ?? undefined,
      limit: PAGE + 1,
      offset: (page - 1) * PAGE,
    };
    const found = errors.length ? [] : await this.alerts.list(filter);
    const link = (p: number) => {
      const u = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
      if (p > 1) u.set('page', String(p));
      const qs = u.toString();
      return `/console/db-alerts${qs ? `?${qs}` : ''}`;
    };
    res
      .status(errors.length ? 400 : 200)
      .type('html')
      .send(
        this.views.page('db-alerts', {
          title: 'Database alerts',
          session: req.consoleSession!,
          f,
          errors,
          rows: found.slice(0, PAGE),
          page,
          prevUrl: page > 1 ? link(page - 1) : null,
          nextUrl: found.length > PAGE ? link(page + 1) : null,
          options: { type: DB_ALERT_TYPES, severity: DB_ALERT_SEVERITIES, state: STATES },
        }),
      );
  }

  @Get(':id')
  async detail(
    @Param('id') id: string,
    @Query('done') done: string | undefined,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ) {
    await this.render(req, res, parseAlertId(id), done && VERBS[done] ? VERBS[done].done : null, null);
  }

  @Post(':id/:verb')
  async act(@Param('id') rawId: string, @Param('verb') verb: string, @Req() req: ConsoleRequest, @Res() res: Response) {
    const spec = VERBS[verb];
    if (!spec) throw new ConsoleError(404, `No action ${verb}.`);
    const id = parseAlertId(rawId);
    const reason = field(req, 'reason');
    if (reason.length > 2000) {
      throw DomainException.validation([{ field: 'reason', message: 'at most 2000 characters' }]);
    }
    try {
      await this.alerts.transition(id, spec.to, req.consoleSession!.name, reason);
    } catch (err) {
      // Only an open alert moves: another responder (or the API) got there first.
      if (err instanceof DomainException && err.code === ErrorCode.INVALID_STATE) {
        return this.render(req, res, id, null, err.message);
      }
      throw err;
    }
    res.redirect(303, `/console/db-alerts/${id}?done=${verb}`);
  }

  private async render(req: ConsoleRequest, res: Response, id: string, done: string | null, conflict: string | null) {
    const s = req.consoleSession!;
    const a = await this.alerts.detail(id);
    const server = await this.servers.get(a.serverId).catch(() => null);
    const ev = a.evidence as {
      rule?: string;
      threshold?: Record<string, unknown>;
      values?: Record<string, unknown>;
      source?: Record<string, unknown>;
      dataAttribution?: string;
      events?: Activity[];
    };
    const src = ev.source ?? {};
    const source = {
      ip: String(src.ip ?? a.sourceIp ?? ''),
      country: String(src.country ?? ''),
      asn: Number(src.asn ?? 0),
      asName: String(src.asName ?? ''),
      provider: String(src.provider ?? ''),
      region: String(src.region ?? ''),
      label: String(src.label ?? ''),
    };
    const first = Date.parse(a.firstSeen);
    const last = Date.parse(a.lastSeen);
    const when = (at: string) => {
      const t = Date.parse(at);
      return t < first ? 'before' : t > last ? 'after' : 'during';
    };
    res
      .status(conflict ? 409 : 200)
      .type('html')
      .send(
        this.views.page('db-alert', {
          title: a.title,
          session: s,
          a,
          serverName: server?.name ?? '',
          narrative: narrative(a, server?.name ?? null, source),
          source,
          rule: ev.rule ?? '',
          threshold: pairs(ev.threshold),
          values: pairs(ev.values),
          samples: (ev.events ?? []).map((e) => row(e, when(e.at))),
          activity: a.activity.map((e) => row(e, when(e.at))),
          dataAttribution: ev.dataAttribution ?? '',
          open: a.state === 'open',
          done,
          conflict,
          csrf: s.csrf,
        }),
      );
  }
}

/** `2026-12-06T01:00` (a datetime-local field, read as UTC) or any ISO 8601 time; '' → null, bad → undefined. */
function parseTime(v: string): Date | null | undefined {
  if (!v) return null;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function parseAlertId(raw: string): string {
  if (!alertId.safeParse(raw).success) throw DomainException.notFound('database alert', raw);
  return raw;
}

function pairs(o: Record<string, unknown> | undefined): { name: string; value: string }[] {
  return Object.entries(o ?? {}).map(([name, v]) => ({
    name: name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(),
    value: Array.isArray(v) ? v.join(', ') : String(v),
  }));
}

function row(e: Activity, when: string) {
  return {
    at: e.at,
    when,
    kind: e.kind,
    clientIp: e.clientIp ?? '',
    user: e.user ?? '',
    database: e.database ?? '',
    application: e.application ?? '',
    sqlState: e.sqlState ?? '',
    invalidUser: !!e.invalidUser,
    country: e.country ?? '',
  };
}

/** The alert in one paragraph, as a responder would say it. */
function narrative(
  a: Detail,
  serverName: string | null,
  src: { ip: string; country: string; asn: number; asName: string; provider: string },
): string {
  const where = [src.country, src.asn ? `AS${src.asn}${src.asName ? ` ${src.asName}` : ''}` : '', src.provider]
    .filter(Boolean)
    .join(', ');
  const parts = [
    `${a.title} on ${serverName ? `${serverName} (${a.serverId})` : a.serverId}`,
    a.database ? `, database ${a.database}` : '',
    a.user ? `, user ${a.user}` : '',
    src.ip ? `, from ${src.ip}${where ? ` (${where})` : ''}` : '',
    a.application ? ` with application “${a.application}”` : '',
    `: seen ${a.count} time${a.count === 1 ? '' : 's'}.`,
  ];
  return parts.join('');
}
