import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { MailContext } from './mail-context';
import { MAIL_TEMPLATES, MAIL_TEMPLATE_NAMES, type MailModel, type MailTemplateName } from './mail-templates';
import { TEMPLATE_HELPERS } from './template-helpers';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Part = 'html' | 'text';

/**
 * Keys whose text may span lines (a customer's description, a responder's note); in every other
 * string a line break is flattened, so a hostile VM name cannot forge lines in the plain-text part.
 */
const MULTILINE = new Set(['description', 'reason', 'note', 'detail', 'summary']);

/**
 * Renders the *.hbs templates beside this file. Two Handlebars instances of our own
 * (Handlebars.create(), never the global one): the HTML one escapes every `{{value}}`, the text
 * one does not (a plain-text part must show `<` as `<`). Both run in strict mode, so a field the
 * model lacks fails the render instead of silently printing nothing. Everything is compiled once,
 * at construction: a broken template stops the process at start, not at the first red e-mail.
 */
export class TemplateRenderer {
  private readonly compiled = new Map<string, HandlebarsTemplateDelegate>();

  constructor(readonly dir: string = TemplateRenderer.locate()) {
    const instances: Record<Part, typeof Handlebars> = { html: Handlebars.create(), text: Handlebars.create() };
    const options = (part: Part): CompileOptions => ({ strict: true, noEscape: part === 'text' });
    for (const part of ['html', 'text'] as const) {
      const hb = instances[part];
      for (const [name, fn] of Object.entries(TEMPLATE_HELPERS)) hb.registerHelper(name, fn);
      hb.registerPartial('layout', hb.compile(this.read(`layout.${part}.hbs`), options(part)));
      for (const file of readdirSync(join(dir, 'partials')).filter((f) => f.endsWith(`.${part}.hbs`))) {
        hb.registerPartial(
          file.slice(0, -`.${part}.hbs`.length),
          hb.compile(this.read(join('partials', file)), options(part)),
        );
      }
      for (const name of MAIL_TEMPLATE_NAMES) {
        const tpl = hb.compile(this.read(`${name}.${part}.hbs`), options(part));
        this.compiled.set(`${name}.${part}`, tpl);
      }
    }
  }

  /**
   * Where the .hbs files are: beside this file when running from the sources (tests, ts-node),
   * else the source tree under the working directory (a dist/ build that did not copy them).
   */
  static locate(): string {
    const candidates = [__dirname, join(process.cwd(), 'libs', 'mail', 'src', 'templates')];
    const dir = candidates.find((d) => existsSync(join(d, 'layout.html.hbs')));
    if (!dir) throw new Error(`mail templates (*.hbs) not found in ${candidates.join(' or ')}`);
    return dir;
  }

  render<T extends MailTemplateName>(name: T, model: MailModel<T>, mail: MailContext): RenderedMail {
    const template = MAIL_TEMPLATES[name] as unknown as { subject: (m: MailModel<T>) => string } | undefined;
    if (!template) throw new Error(`unknown mail template "${name}"`);
    const clean = cleanStrings(model) as MailModel<T>;
    const subject = template.subject(clean);
    const view = { ...clean, mail: cleanStrings(mail), subject };
    return {
      subject,
      html: this.compiled.get(`${name}.html`)!(view),
      text: tidyText(this.compiled.get(`${name}.text`)!(view)),
    };
  }

  private read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }
}

/** Removes control characters (keeping line breaks only where a text may span lines), recursively. */
function cleanStrings(v: unknown, key = ''): unknown {
  if (typeof v === 'string') {
    const s = v.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g, ' ');
    return MULTILINE.has(key) ? s.replace(/\t/g, ' ') : s.replace(/[\n\t]+/g, ' ');
  }
  if (Array.isArray(v)) return v.map((x) => cleanStrings(x, key));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cleanStrings(x, k)]));
  }
  return v;
}

/** Plain-text lines are wrapped here (RFC 3676 suggests 78), keeping list items' hanging indent. */
const TEXT_WIDTH = 78;

/** Plain text: wrapped, no trailing spaces, at most one empty line in a row. */
function tidyText(s: string): string {
  return `${s
    .split('\n')
    .flatMap((l) => (l === '-- ' ? [l] : wrap(l.trimEnd())))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function wrap(line: string): string[] {
  if (line.length <= TEXT_WIDTH) return [line];
  const lead = /^(\s*(?:[-*]|\d+\.)?\s*)/.exec(line)![1];
  const hang = ' '.repeat(lead.length);
  const out: string[] = [];
  let cur = lead;
  for (const word of line.slice(lead.length).split(/ +/)) {
    if (cur.trim() && (cur + word).length > TEXT_WIDTH) {
      out.push(cur.trimEnd());
      cur = hang;
    }
    cur += `${word} `;
  }
  out.push(cur.trimEnd());
  return out;
}
