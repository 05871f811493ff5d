import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import type { FindingRole, Severity } from '@sg/queues';
import { deadlineMsFor } from './deadline-policy';
import type { ExtensionLimits } from './extension-policy';
import { nextReminder, parseReminders, type ReminderSpec } from './reminder-schedule';
import type { ReopenConfig } from './reopen-rule';

/** The case rules that come from configuration, read once: deadlines, extensions, reminders, reopening. */
@Injectable()
export class CasePolicy {
  readonly extensionLimits: ExtensionLimits;
  readonly reminders: ReminderSpec[];
  readonly reopen: ReopenConfig;

  constructor(@Inject(APP_CONFIG) private readonly cfg: AppConfig) {
    this.extensionLimits = { maxCount: cfg.CASE_EXTENSION_MAX_COUNT, maxTotalMs: cfg.CASE_EXTENSION_MAX_TOTAL };
    this.reminders = parseReminders(cfg.CASE_REMINDERS);
    this.reopen = { reopenWindowMs: cfg.CASE_REOPEN_WINDOW, falsePositiveMemoryMs: cfg.CASE_FALSE_POSITIVE_MEMORY };
  }

  deadlineMs(role: FindingRole, kind: string, severity: Severity): number | null {
    return deadlineMsFor(role, kind, severity, {
      defaultMs: this.cfg.CASE_DEADLINE_DEFAULT,
      floodMs: this.cfg.CASE_DEADLINE_FLOOD,
    });
  }

  /** What an extension grants when neither the owner nor the responder named a length. */
  get defaultExtensionMs(): number {
    return this.cfg.CASE_DEADLINE_DEFAULT;
  }

  /** CASE_EXTENSION_AUTO_GRANT: the longest first extension an owner's request gets at once. */
  get extensionAutoGrantMs(): number {
    return this.cfg.CASE_EXTENSION_AUTO_GRANT;
  }

  get recheckWindowMs(): number {
    return this.cfg.RECHECK_WINDOW;
  }

  /** CASE_REOPEN_GRACE: what a reopened case whose deadline passed gets (see reopenDeadline). */
  get reopenGraceMs(): number {
    return this.cfg.CASE_REOPEN_GRACE;
  }

  /** The first reminder after `afterMs` for a deadline set at `setAt` (null: none left). */
  nextReminderAt(setAt: Date | null, deadlineAt: Date | null, afterMs: number): Date | null {
    if (!setAt || !deadlineAt) return null;
    const next = nextReminder(setAt.getTime(), deadlineAt.getTime(), this.reminders, afterMs);
    return next ? new Date(next.at) : null;
  }

  isFinalReminder(setAt: Date, deadlineAt: Date, at: number): boolean {
    const next = nextReminder(setAt.getTime(), deadlineAt.getTime(), this.reminders, at - 1);
    return next?.at === at && next.final;
  }
}
