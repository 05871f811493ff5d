/**
 * PostgreSQL log timestamps read straight from bytes (no Date, no strings): `%m`
 * `2026-12-06 01:19:35.286 UTC`, `%t` without the milliseconds, and the numeric or named zone
 * log_timezone prints (`UTC`, `GMT`, `+03`, `-0530`, `CET`, ...). Named zones other than those in
 * ZONES are read as UTC and counted by the caller through `timeZoneKnown`.
 */

/** Offsets (minutes east of UTC) of the abbreviations PostgreSQL prints for common log_timezones. */
const ZONES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  UT: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  IST: 330,
  SGT: 480,
  HKT: 480,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  HST: -600,
};
/** Zone abbreviations packed into a number (up to 5 uppercase letters), for a lookup without strings. */
const ZONE_BY_CODE = new Map<number, number>();
for (const [k, v] of Object.entries(ZONES)) {
  let code = 0;
  for (let i = 0; i < k.length; i++) code = code * 32 + (k.charCodeAt(i) - 64);
  ZONE_BY_CODE.set(code, v);
}

/** Result of the last parse: where it ended and whether the zone was known (parsing never re-enters). */
export const pgTime = { end: 0, timeZoneKnown: true };

function digits(b: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = b[p + i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.fff] ZONE` at b[s..e): epoch ms, or NaN when it is not one. `pgTime.end`
 * is the index just past the zone.
 */
export function parsePgTimestamp(b: Uint8Array, s: number, e: number): number {
  if (e - s < 19) return NaN;
  const y = digits(b, s, 4);
  const mo = digits(b, s + 5, 2);
  const d = digits(b, s + 8, 2);
  const h = digits(b, s + 11, 2);
  const mi = digits(b, s + 14, 2);
  const sec = digits(b, s + 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) {
    return NaN;
  }
  if (b[s + 4] !== 45 || b[s + 7] !== 45 || b[s + 10] !== 32 || b[s + 13] !== 58 || b[s + 16] !== 58) return NaN;
  let p = s + 19;
  let ms = 0;
  if (p < e && b[p] === 46) {
    p++;
    let scale = 100;
    while (p < e && b[p] >= 48 && b[p] <= 57) {
      ms += (b[p] - 48) * scale;
      scale /= 10;
      p++;
    }
    ms = Math.floor(ms);
  }
  let offsetMin = 0;
  pgTime.timeZoneKnown = true;
  if (p < e && b[p] === 32) {
    p++;
    const c = b[p];
    if (c === 43 || c === 45) {
      // +HH, +HHMM, +HH:MM
      const sign = c === 45 ? -1 : 1;
      p++;
      const hh = digits(b, p, 2);
      if (hh < 0) return NaN;
      p += 2;
      let mm = 0;
      if (p < e && b[p] === 58) p++;
      const m2 = p + 2 <= e ? digits(b, p, 2) : -1;
      if (m2 >= 0) {
        mm = m2;
        p += 2;
      }
      offsetMin = sign * (hh * 60 + mm);
    } else if (c >= 65 && c <= 90) {
      let code = 0;
      const z0 = p;
      while (p < e && b[p] >= 65 && b[p] <= 90) code = code * 32 + (b[p++] - 64);
      const off = p - z0 <= 5 ? ZONE_BY_CODE.get(code) : undefined;
      if (off === undefined) pgTime.timeZoneKnown = false;
      else offsetMin = off;
    } else {
      p--; // no zone: the space belongs to what follows
    }
  }
  pgTime.end = p;
  return (daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offsetMin * 60) * 1000 + ms;
}
