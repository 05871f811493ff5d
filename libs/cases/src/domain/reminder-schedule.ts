import { parseDuration } from '@sg/common';

/** A reminder point: a share of the time given (`50%`) or a duration before the deadline (`1h`). */
export type ReminderSpec = { share: number } | { beforeMs: number };

/** Parses CASE_REMINDERS (already format-checked by the config schema); `none` means no reminders. */
export function parseReminders(text: string): ReminderSpec[] {
  if (text.trim() === 'none') return [];
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => (p.endsWith('%') ? { share: Number(p.slice(0, -1)) / 100 } : { beforeMs: parseDuration(p) ?? 0 }));
}

/**
 * When reminders fall for a deadline set at `setAt`: strictly between setAt and the deadline,
 * ascending, duplicates merged. A point that falls outside (e.g. "1h before" a 30-minute
 * deadline) is dropped rather than sent at once. The last one is the final warning.
 */
export function reminderTimes(setAt: number, deadlineAt: number, specs: readonly ReminderSpec[]): number[] {
  const span = deadlineAt - setAt;
  const out = new Set<number>();
  for (const s of specs) {
    const at = 'share' in s ? setAt + Math.round(span * s.share) : deadlineAt - s.beforeMs;
    if (at > setAt && at < deadlineAt) out.add(at);
  }
  return [...out].sort((a, b) => a - b);
}

/** The first reminder strictly after `afterMs`, and whether it is the final warning. */
export function nextReminder(
  setAt: number,
  deadlineAt: number,
  specs: readonly ReminderSpec[],
  afterMs: number,
): { at: number; final: boolean } | null {
  const times = reminderTimes(setAt, deadlineAt, specs);
  const i = times.findIndex((t) => t > afterMs);
  return i < 0 ? null : { at: times[i], final: i === times.length - 1 };
}
