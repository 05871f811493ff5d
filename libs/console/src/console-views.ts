import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars, { type HelperDelegate } from 'handlebars';

const SEVERITY_LABEL: Record<string, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };
const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-12-06 01:23 UTC": one unambiguous form for responders in several time zones. */
export function formatTime(v: unknown, seconds = false): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = v instanceof Date ? v : new Date(String(v));
  if (Number.isNaN(d.getTime())) return String(v);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''} UTC`;
}

/** "in 3 h 12 min" / "5 min ago": the countdown as the server sees it (live.js keeps it ticking). */
export function formatCountdown(v: unknown, now = Date.now()): string {
  if (v === null || v === undefined) return 'no deadline';
  const ms = new Date(v instanceof Date ? v : String(v)).getTime() - now;
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const text = d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function formatBytes(v: unknown): string {
  let n = Number(v);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

const HELPERS: Record<string, HelperDelegate> = {
  time: (v: unknown) => formatTime(v),
  seconds: (v: unknown) => formatTime(v, true),
  iso: (v: unknown) => (v ? new Date(v instanceof Date ? v : String(v)).toISOString() : ''),
  countdown: (v: unknown) => formatCountdown(v),
  bytes: (v: unknown) => formatBytes(v),
  num: (v: unknown) => Number(v).toLocaleString('en-US'),
  severity: (v: unknown) => SEVERITY_LABEL[String(v)] ?? String(v),
  eq: (a: unknown, b: unknown) => a === b,
  or: (a: unknown, b: unknown) => a || b,
  not: (a: unknown) => !a,
  json: (v: unknown) => JSON.stringify(v),
  join: (list: unknown) => (Array.isArray(list) ? list.join(', ') : ''),
  label: (v: unknown) => String(v ?? '').replace(/-/g, ' '),
};

/**
 * The console's and customer page's HTML: *.hbs files beside this file in a Handlebars instance of
 * their own (never the global one), strict (a field the model lacks fails the render), every
 * `{{value}}` escaped. Pages render into layout.hbs; compiled once at start.
 */
export class ConsoleViews {
  private readonly pages = new Map<string, HandlebarsTemplateDelegate>();
  private readonly layout: HandlebarsTemplateDelegate;

  constructor(dir: string = ConsoleViews.locate()) {
    const hb = Handlebars.create();
    for (const [name, fn] of Object.entries(HELPERS)) hb.registerHelper(name, fn);
    const opts: CompileOptions = { strict: true };
    for (const f of readdirSync(join(dir, 'partials'))) {
      const tpl = hb.compile(readFileSync(join(dir, 'partials', f), 'utf8'), opts);
      hb.registerPartial(f.replace(/\.hbs$/, ''), tpl);
      this.pages.set(f.replace(/\.hbs$/, ''), tpl);
    }
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.hbs'))) {
      this.pages.set(f.replace(/\.hbs$/, ''), hb.compile(readFileSync(join(dir, f), 'utf8'), opts));
    }
    this.layout = this.pages.get('layout')!;
  }

  static locate(): string {
    const candidates = [join(__dirname, 'views'), join(process.cwd(), 'libs', 'console', 'src', 'views')];
    const dir = candidates.find((d) => existsSync(join(d, 'layout.hbs')));
    if (!dir) throw new Error(`console views (*.hbs) not found in ${candidates.join(' or ')}`);
    return dir;
  }

  /** A whole page: `model.title` and `model.session` (null when signed out) are read by the layout. */
  page(name: string, model: { title: string; session: unknown; customer?: boolean } & Record<string, unknown>): string {
    const tpl = this.pages.get(name);
    if (!tpl) throw new Error(`no console view ${name}`);
    const body = tpl(model);
    return this.layout({ ...model, customer: model.customer ?? false, body });
  }

  /** Only a page's part or a partial (the queue's live refresh fetches its table). */
  fragment(name: string, model: Record<string, unknown>): string {
    return this.pages.get(name)!(model);
  }
}
