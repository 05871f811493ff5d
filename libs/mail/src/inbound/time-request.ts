/** A time the owner asks for: a length ("48 hours") or a moment ("until Friday"). */
export interface TimeRequest {
  /** The words it was read from, lower-cased. */
  phrase: string;
  kind: 'duration' | 'moment';
  /** The time asked for, from the message's date. */
  ms: number;
  /** The moment asked for (message date + ms), ISO. */
  until: string;
  /** Where in the text it starts. */
  index: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const UNIT_MS: [RegExp, number][] = [
  [/^(minutes?|mins?)$/, 60_000],
  [/^(hours?|hrs?|h)$/, HOUR],
  [/^(days?|d)$/, DAY],
  [/^(weeks?|wks?|w)$/, 7 * DAY],
  [/^(months?)$/, 30 * DAY],
];
const WORD_NUMBERS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  another: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fourteen: 14,
  'a couple of': 2,
  'couple of': 2,
  'a few': 3,
  few: 3,
  several: 3,
};
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Times of day as UTC hours (we do not know the owner's zone; the notices say UTC too). */
const TIME_OF_DAY: Record<string, number> = {
  morning: 9,
  noon: 12,
  midday: 12,
  afternoon: 15,
  evening: 18,
  night: 22,
  tonight: 22,
};

const NUM = `(\\d+(?:[.,]\\d+)?)`;
const WORDNUM = `(a couple of|couple of|a few|another|several|fourteen|eleven|twelve|three|seven|eight|four|five|nine|one|two|six|ten|few|an|a)`;
const MORE = `(?:\\s+(?:more|extra|additional|further))?`;
const DURATION_DIGITS = new RegExp(
  `\\b(?:another\\s+)?${NUM}${MORE}\\s*(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?)\\b`,
  'g',
);
const DURATION_WORDS = new RegExp(`\\b${WORDNUM}${MORE}\\s+(minutes?|hours?|days?|weeks?|months?)\\b`, 'g');
const ANCHOR = `(?:until|till|til|'til|by|before|through|thru|up to|no later than|to)\\s+`;
const TOD = `(?:\\s+(?:in the\\s+)?(morning|noon|midday|afternoon|evening|night|eod|end of (?:the )?day|close of business|cob))?(?:\\s+(?:at\\s+)?(\\d{1,2})(?::(\\d{2}))?\\s*(am|pm)?)?`;
const MOMENT_PATTERNS: { re: RegExp; resolve: (m: RegExpExecArray, at: Date) => Date | null }[] = [
  {
    // until 2026-12-01 (18:00)
    re: new RegExp(`\\b${ANCHOR}(\\d{4})-(\\d{2})-(\\d{2})(?:[ t](\\d{1,2}):(\\d{2}))?\\b`, 'g'),
    resolve: (m) => utc(+m[1], +m[2] - 1, +m[3], m[4] ? +m[4] : null, m[5] ? +m[5] : 0),
  },
  {
    // until 01.12.2026 (day first, as written in most of Europe)
    re: new RegExp(`\\b${ANCHOR}(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})\\b`, 'g'),
    resolve: (m) => utc(+m[3], +m[2] - 1, +m[1], null, 0),
  },
  {
    // until 1 December (2026) / until the 1st of Dec
    re: new RegExp(
      `\\b${ANCHOR}(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${MONTHS.join('|')})[a-z]*\\.?(?:,?\\s+(\\d{4}))?\\b`,
      'g',
    ),
    resolve: (m, at) => dayOfMonth(at, +m[1], MONTHS.indexOf(m[2]), m[3] ? +m[3] : null),
  },
  {
    // until December 1(st) (, 2026)
    re: new RegExp(
      `\\b${ANCHOR}(${MONTHS.join('|')})[a-z]*\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?\\b`,
      'g',
    ),
    resolve: (m, at) => dayOfMonth(at, +m[2], MONTHS.indexOf(m[1]), m[3] ? +m[3] : null),
  },
  {
    // until (next) Friday (evening | at 5pm)
    re: new RegExp(
      `\\b${ANCHOR}(?:next\\s+|this\\s+|this coming\\s+|coming\\s+)?(${WEEKDAYS.join('|')})${TOD}\\b`,
      'g',
    ),
    resolve: (m, at) => atTime(addDays(at, daysUntil(at, WEEKDAYS.indexOf(m[1]))), m, 2),
  },
  {
    // by tomorrow (evening), by the day after tomorrow, until today, by tonight
    re: new RegExp(`\\b${ANCHOR}(the day after tomorrow|tomorrow|today|tonight)${TOD}\\b`, 'g'),
    resolve: (m, at) => {
      const days = m[1] === 'the day after tomorrow' ? 2 : m[1] === 'tomorrow' ? 1 : 0;
      const d = atTime(addDays(at, days), m, 2);
      return m[1] === 'tonight' && !m[2] ? setHour(d, 22) : d;
    },
  },
  {
    // until the end of the week / next week / the month; until the weekend
    re: new RegExp(
      `\\b${ANCHOR}(?:the\\s+)?(end of (?:the |this )?week|end of next week|end of (?:the |this )?month|next week|(?:the )?weekend)\\b`,
      'g',
    ),
    resolve: (m, at) => {
      const what = m[1];
      if (what.startsWith('end of next week')) return endOfDay(addDays(at, daysUntil(at, 5) + 7));
      if (what.startsWith('end of') && what.endsWith('week')) return endOfDay(addDays(at, daysUntil(at, 5, true)));
      if (what.endsWith('month')) return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0, 23, 59, 59));
      if (what === 'next week') return new Date(at.getTime() + 7 * DAY);
      return endOfDay(addDays(at, daysUntil(at, 0, true)));
    },
  },
];

function utc(y: number, mo: number, d: number, h: number | null, mi: number): Date | null {
  const date = new Date(Date.UTC(y, mo, d, h ?? 23, h === null ? 59 : mi, h === null ? 59 : 0));
  return date.getUTCMonth() === ((mo % 12) + 12) % 12 && date.getUTCDate() === d ? date : null;
}
function addDays(at: Date, n: number): Date {
  return new Date(at.getTime() + n * DAY);
}
function endOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 23, 59, 59));
}
function setHour(d: Date, h: number, mi = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, mi, 0));
}
/** Days to the next such weekday, strictly after today ("until Friday" said on a Friday means next week) unless `orToday`. */
function daysUntil(at: Date, weekday: number, orToday = false): number {
  const diff = (weekday - at.getUTCDay() + 7) % 7;
  return diff === 0 && !orToday ? 7 : diff;
}
function dayOfMonth(at: Date, day: number, month: number, year: number | null): Date | null {
  if (month < 0) return null;
  let d = utc(year ?? at.getUTCFullYear(), month, day, null, 0);
  if (d && year === null && d.getTime() < at.getTime()) d = utc(at.getUTCFullYear() + 1, month, day, null, 0);
  return d;
}
/** Applies a time of day (words, or `at 5pm` / `17:30`) from the match groups starting at `g`. */
function atTime(day: Date, m: RegExpExecArray, g: number): Date {
  const word = m[g];
  const hour = m[g + 1];
  if (hour !== undefined) {
    let h = +hour % 24;
    if (m[g + 3] === 'pm' && h < 12) h += 12;
    if (m[g + 3] === 'am' && h === 12) h = 0;
    return setHour(day, h, m[g + 2] ? +m[g + 2] : 0);
  }
  if (word && TIME_OF_DAY[word] !== undefined) return setHour(day, TIME_OF_DAY[word]);
  return endOfDay(day);
}

/**
 * Every time request in a (lower-cased) text, in order: lengths ("48 hours", "2 more days",
 * "one more week", "48h", "a few days") and moments after until/till/by/before ("until Friday",
 * "till 2026-12-01", "by tomorrow evening", "until the end of the week"), relative to `at` (the
 * message's date). Moments are UTC; a day without a time means its end. Moments already past
 * are dropped.
 */
export function findTimeRequests(text: string, at: Date): TimeRequest[] {
  const out: TimeRequest[] = [];
  const push = (index: number, phrase: string, kind: TimeRequest['kind'], ms: number) => {
    if (!(ms > 0) || !Number.isFinite(ms)) return;
    if (out.some((o) => index >= o.index && index < o.index + o.phrase.length)) return;
    out.push({ phrase: phrase.trim(), kind, ms, until: new Date(at.getTime() + ms).toISOString(), index });
  };
  for (const p of MOMENT_PATTERNS) {
    for (const m of text.matchAll(p.re)) {
      const d = p.resolve(m as RegExpExecArray, at);
      if (d) push(m.index!, m[0], 'moment', d.getTime() - at.getTime());
    }
  }
  for (const m of text.matchAll(DURATION_DIGITS)) {
    const unit = UNIT_MS.find(([re]) => re.test(m[2]))![1];
    push(m.index!, m[0], 'duration', parseFloat(m[1].replace(',', '.')) * unit);
  }
  for (const m of text.matchAll(DURATION_WORDS)) {
    const unit = UNIT_MS.find(([re]) => re.test(m[2]))![1];
    push(m.index!, m[0], 'duration', WORD_NUMBERS[m[1]] * unit);
  }
  return out.sort((a, b) => a.index - b.index);
}
