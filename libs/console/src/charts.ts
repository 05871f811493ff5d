/**
 * Charts drawn on the server as SVG (no client-side library, no CDN): bars with a title and a
 * description for screen readers, colours with enough contrast on white. Every label is escaped.
 */
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface Series {
  name: string;
  color: string;
  values: number[];
}

/** Grouped bars: one group per label, one bar per series; returns an <svg> string. */
export function barChart(opts: {
  title: string;
  desc: string;
  labels: string[];
  series: Series[];
  unit?: string;
}): string {
  const W = 720;
  const H = 240;
  const left = 56;
  const bottom = 40;
  const top = 16;
  const plotW = W - left - 12;
  const plotH = H - top - bottom;
  const max = Math.max(1, ...opts.series.flatMap((s) => s.values));
  const n = Math.max(1, opts.labels.length);
  const groupW = plotW / n;
  const barW = Math.max(2, (groupW * 0.8) / Math.max(1, opts.series.length));
  const parts: string[] = [];
  const id = `c${Math.abs(hash(opts.title))}`;
  parts.push(
    `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-t">${esc(opts.title)}</title><desc id="${id}-d">${esc(opts.desc)}</desc>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${W - 12}" y2="${top + plotH}" stroke="#374151"/>`,
    `<text x="${left - 6}" y="${top + 10}" text-anchor="end" font-size="11" fill="#1f2937">${esc(fmt(max))}${opts.unit ? ' ' + esc(opts.unit) : ''}</text>`,
    `<text x="${left - 6}" y="${top + plotH}" text-anchor="end" font-size="11" fill="#1f2937">0</text>`,
  );
  opts.series.forEach((s, si) => {
    s.values.forEach((v, i) => {
      const h = (v / max) * plotH;
      const x = left + i * groupW + groupW * 0.1 + si * barW;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name} ${opts.labels[i]}: ${fmt(v)}`)}</title></rect>`,
      );
    });
  });
  const every = Math.ceil(n / 8);
  opts.labels.forEach((l, i) => {
    if (i % every) return;
    parts.push(
      `<text x="${(left + i * groupW + groupW / 2).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle" font-size="11" fill="#1f2937">${esc(l)}</text>`,
    );
  });
  opts.series.forEach((s, si) => {
    const x = left + si * 140;
    parts.push(
      `<rect x="${x}" y="${H - 14}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${x + 14}" y="${H - 5}" font-size="11" fill="#1f2937">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function fmt(v: number): string {
  return v >= 1e9
    ? `${(v / 1e9).toFixed(1)}G`
    : v >= 1e6
      ? `${(v / 1e6).toFixed(1)}M`
      : v >= 1e3
        ? `${(v / 1e3).toFixed(1)}k`
        : String(Math.round(v));
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

export interface ChartFlow {
  start: string | null;
  bytes: number;
  packets: number;
}

/**
 * The attack traffic over time from a case's traffic series (what each finding update added,
 * spread over the time it covered): flows per step, empty steps drawn as zero.
 */
export function seriesChart(series: { stepMs: number; points: [number, number, number, number][] }): string {
  const { stepMs, points } = series;
  const t0 = points[0][0];
  const steps = Math.round((points[points.length - 1][0] - t0) / stepMs) + 1;
  const flows = new Array<number>(steps).fill(0);
  for (const [t, f] of points) flows[Math.round((t - t0) / stepMs)] += f;
  const short = steps * stepMs < 2 * 86_400_000;
  const labels = Array.from({ length: steps }, (_, i) => {
    const iso = new Date(t0 + i * stepMs).toISOString();
    return short ? iso.slice(11, 16) : iso.slice(5, 16).replace('T', ' ');
  });
  const minutes = stepMs / 60_000;
  return barChart({
    title: 'Attack traffic over time',
    desc: `Flows of the attack per ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`} (UTC), from ${labels[0]}.`,
    labels,
    series: [
      {
        name: `flows per ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`}`,
        color: '#b91c1c',
        values: flows.map(Math.round),
      },
    ],
  });
}

/**
 * For cases from before the traffic series: the sample flows' bytes in up to 24 equal buckets
 * between first and last seen (evidence keeps the latest 20 samples, so only the recent shape).
 */
export function evidenceChart(firstSeen: string, lastSeen: string, flows: ChartFlow[]): string {
  const t0 = Date.parse(firstSeen);
  const t1 = Math.max(Date.parse(lastSeen), t0 + 60_000);
  const buckets = 24;
  const step = (t1 - t0) / buckets;
  const bytes = new Array<number>(buckets).fill(0);
  const packets = new Array<number>(buckets).fill(0);
  for (const f of flows) {
    const t = f.start ? Date.parse(f.start) : NaN;
    const i = Number.isNaN(t) ? buckets - 1 : Math.min(buckets - 1, Math.max(0, Math.floor((t - t0) / step)));
    bytes[i] += f.bytes;
    packets[i] += f.packets;
  }
  const short = t1 - t0 < 2 * 3600_000;
  const labels = Array.from({ length: buckets }, (_, i) =>
    new Date(t0 + i * step).toISOString().slice(11, short ? 19 : 16),
  );
  return barChart({
    title: 'Attack traffic over time',
    desc: `Bytes of the sample flows between ${firstSeen} and ${lastSeen}, in ${buckets} intervals (UTC).`,
    labels,
    series: [{ name: 'bytes (sample flows)', color: '#b91c1c', values: bytes }],
    unit: 'B',
  });
}
