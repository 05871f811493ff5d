import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { DB_ALERT_INFO, isDbAlertType } from '../analysis/alert-types';
import type { DbAlert } from '../analysis/db-alert';
import { IP_DATA_ATTRIBUTION } from '../analysis/ip-enrichment';
import type { WatchedServer } from '../analysis/server-directory';

/** Alerts shown in full in one mail; the rest are counted and linked. */
const SHOWN = 10;

const COLORS = { low: '#8a6d00', medium: '#c05000', high: '#b00020' } as const;

export interface RenderedAlertMail {
  subject: string;
  html: string;
  text: string;
}

/** Control characters (a hostile user name in a log line) become spaces: no forged lines in the text part. */
const flat = (s: unknown): string => String(s ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ');
const orDash = (s: unknown): string => flat(s) || '-';

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day(s)`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour(s)`;
  if (ms % 60_000 === 0) return `${ms / 60_000} minute(s)`;
  return `${Math.round(ms / 1000)} second(s)`;
}

function formatValues(v: unknown): string {
  if (!v || typeof v !== 'object') return '-';
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${Array.isArray(x) ? x.slice(0, 10).join(',') : String(x)}`)
    .join('; ');
}

function sourceText(a: DbAlert): string {
  const s = (a.evidence.source ?? {}) as Record<string, unknown>;
  if (!a.sourceIp) return '-';
  const parts = [
    s.country ? `country ${String(s.country)}` : '',
    s.asn ? `AS${String(s.asn)}${s.asName ? ` ${String(s.asName)}` : ''}` : '',
    s.provider ? `provider ${String(s.provider)}` : '',
    s.region ? `region ${String(s.region)}` : '',
    s.label ? `network "${String(s.label)}"` : '',
  ].filter(Boolean);
  return flat(parts.length ? `${a.sourceIp} (${parts.join(', ')})` : a.sourceIp);
}

/**
 * The alert e-mail of one server and alert type, as the public service's mail has it: the nature
 * of the activity, server, database, user, source with country/AS/provider, application, event
 * time, possible causes, recommended actions and a link to each alert in the console. Its own
 * Handlebars instances in strict mode (HTML escaping, text not), compiled once.
 */
export class DbAlertMailRenderer {
  private readonly html: HandlebarsTemplateDelegate;
  private readonly text: HandlebarsTemplateDelegate;

  constructor(dir: string = DbAlertMailRenderer.locate()) {
    this.html = Handlebars.create().compile(readFileSync(join(dir, 'db-alert.html.hbs'), 'utf8'), { strict: true });
    this.text = Handlebars.create().compile(readFileSync(join(dir, 'db-alert.text.hbs'), 'utf8'), {
      strict: true,
      noEscape: true,
    });
  }

  static locate(): string {
    const candidates = [__dirname, join(process.cwd(), 'libs', 'dbwatch', 'src', 'mail')];
    const dir = candidates.find((d) => existsSync(join(d, 'db-alert.html.hbs')));
    if (!dir) throw new Error(`dbwatch mail templates not found in ${candidates.join(' or ')}`);
    return dir;
  }

  render(server: WatchedServer, alerts: DbAlert[], publicUrl: string, throttleMs: number): RenderedAlertMail {
    const first = alerts[0];
    const info = isDbAlertType(first.type) ? DB_ALERT_INFO[first.type] : null;
    const title = info?.title ?? first.type;
    const base = publicUrl.replace(/\/+$/, '');
    const severity = alerts.reduce(
      (s, a) => (a.severity === 'high' || (a.severity === 'medium' && s === 'low') ? a.severity : s),
      first.severity,
    );
    const model = {
      title,
      severity,
      color: COLORS[severity],
      server: { id: flat(server.id), name: flat(server.name), host: server.host ? flat(server.host) : '' },
      alerts: alerts.slice(0, SHOWN).map((a) => ({
        activity: flat(`${title}: ${String(a.evidence.rule ?? '')}`),
        firstSeen: a.firstSeen,
        lastSeen: a.lastSeen,
        spans: a.firstSeen !== a.lastSeen,
        repeated: a.count > 1,
        count: a.count,
        database: orDash(a.database),
        user: orDash(a.user),
        source: sourceText(a),
        application: orDash(a.application),
        rule: flat(a.evidence.rule),
        values: flat(formatValues(a.evidence.values)),
        link: `${base}/console/db-alerts/${a.id}`,
      })),
      moreCount: Math.max(0, alerts.length - SHOWN),
      listLink: `${base}/console/db-alerts?serverId=${encodeURIComponent(server.id)}`,
      causes: info?.causes ?? [],
      actions: info?.actions ?? [],
      throttle: formatDuration(throttleMs),
      attribution: IP_DATA_ATTRIBUTION,
    };
    const count = alerts.length > 1 ? ` (${alerts.length} alerts)` : '';
    return {
      subject: flat(`[Safeguards] ${severity.toUpperCase()}: ${title} on ${server.name}${count}`).slice(0, 400),
      html: this.html(model),
      text: this.text(model),
    };
  }
}
