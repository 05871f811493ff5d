import type { HelperDelegate } from 'handlebars';
import type { FindingRole } from '@sg/queues';
import { activityLabel } from './activity-label';
import { mailFormat } from './mail-format';

/**
 * The helpers every template may use, registered once per Handlebars instance. Handlebars passes
 * an options object as the last argument; helpers that take a fixed number of values ignore it.
 * Each helper returns plain text: the HTML instance escapes it like any other value.
 */
const ACCENTS: Record<string, string> = { red: '#b91c1c', amber: '#b45309', green: '#047857', blue: '#1d4ed8' };

export const TEMPLATE_HELPERS: Record<string, HelperDelegate> = {
  date: (v: unknown) => mailFormat.date(v),
  timestamp: (v: unknown) => mailFormat.timestamp(v),
  duration: (ms: unknown) => mailFormat.duration(ms),
  num: (v: unknown) => mailFormat.number(v),
  size: (v: unknown) => mailFormat.bytes(v),
  kind: (kind: unknown) => activityLabel.kind(String(kind)),
  activity: (kind: unknown, role: unknown) => activityLabel.activity(String(kind), role as FindingRole),
  take: (list: unknown, n: unknown) => (Array.isArray(list) ? list.slice(0, Number(n)) : []),
  join: (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''),
  eq: (a: unknown, b: unknown) => a === b,
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  inc: (n: unknown) => Number(n) + 1,
  ifThen: (cond: unknown, a: unknown, b: unknown) => (cond ? a : b),
  plural: (n: unknown, one: unknown, many: unknown) => (Number(n) === 1 ? one : many),
  pad: (v: unknown, width: unknown) => String(v).padEnd(Number(width)),
  padStart: (v: unknown, width: unknown) => String(v).padStart(Number(width)),
  accentColor: (accent: unknown) => ACCENTS[String(accent)] ?? '#374151',
  /** Plain text: indents a block (a customer's description) so it reads as quoted. */
  quote: (v: unknown) =>
    String(v)
      .split('\n')
      .map((l) => `    ${l}`.trimEnd())
      .join('\n'),
};
