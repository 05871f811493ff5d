/**
 * Formatting shared by the template helpers and the subject lines. Hand-written rather than Intl,
 * so the output is the same on every Node/ICU build (tests and previews compare strings), and
 * always in UTC: we do not know the owner's time zone, and saying "UTC" is better than guessing.
 */
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number) => String(n).padStart(2, '0');

function toDate(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export const mailFormat = {
  /** `Tue 2 Jun 2026 14:00 UTC`; an unreadable value is shown as given rather than failing a notice. */
  date(v: unknown): string {
    const d = toDate(v);
    if (!d) return String(v);
    return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
  },

  /** `2026-06-02 14:00:05 UTC`, for evidence where seconds matter. */
  timestamp(v: unknown): string {
    const d = toDate(v);
    if (!d) return String(v);
    return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
  },

  /** `2 days 4 hours`, `48 hours`, `90 minutes` -> `1 hour 30 minutes`; the two largest units only. */
  duration(ms: unknown): string {
    const n = Number(ms);
    if (!Number.isFinite(n)) return String(ms);
    let rest = Math.max(0, Math.round(n / 1000));
    const units: [string, number][] = [
      ['day', 86_400],
      ['hour', 3_600],
      ['minute', 60],
      ['second', 1],
    ];
    // Up to 72 hours reads better in hours ("48 hours" is what people write and ask for).
    if (rest <= 72 * 3600 && rest % 3600 === 0 && rest >= 3600) units.shift();
    const parts: string[] = [];
    for (const [name, size] of units) {
      const q = Math.floor(rest / size);
      if (q > 0) {
        parts.push(`${q} ${name}${q === 1 ? '' : 's'}`);
        rest -= q * size;
      }
      if (parts.length === 2) break;
    }
    return parts.length ? parts.join(' ') : '0 seconds';
  },

  /** `1,234,567` */
  number(v: unknown): string {
    const n = Number(v);
    if (!Number.isFinite(n)) return String(v);
    const [int, frac] = Math.abs(n)
      .toFixed(Number.isInteger(n) ? 0 : 1)
      .split('.');
    const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return `${n < 0 ? '-' : ''}${grouped}${frac && frac !== '0' ? `.${frac}` : ''}`;
  },

  /** `12.3 MB` (decimal units, as network people count). */
  bytes(v: unknown): string {
    const n = Number(v);
    if (!Number.isFinite(n)) return String(v);
    const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
    let i = 0;
    let x = n;
    while (Math.abs(x) >= 1000 && i < units.length - 1) {
      x /= 1000;
      i++;
    }
    return i === 0 ? `${x} B` : `${x.toFixed(1)} ${units[i]}`;
  },
};
