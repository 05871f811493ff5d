import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { CASE_NOTIFIER, type CaseNoticeEvent, type CaseNotifier } from './case-notifier';
import { CasePolicy } from './case-policy';
import { LoggingCaseNotifier } from './logging-case-notifier';
import { CaseScheduler } from './case-scheduler.service';
import { CaseTransitions } from './case-transitions.service';
import type { CaseEntity } from '../persistence/case.entity';
import { CaseRepository } from '../persistence/case.repository';
import { toNoticeView } from './case-view';

/** A notifier that has not answered by then is treated as failed; the case goes on regardless. */
const NOTIFY_TIMEOUT_MS = 10_000;
/** Notices handed to the notifier at once. */
const SEND_CONCURRENCY = 32;

/**
 * Hands notices to the CaseNotifier after the case's transaction committed. Never throws and is
 * bounded in time: a broken mail path must not block findings, escalation or the API.
 * `dispatch` does not even wait (the pipeline moves on); the process waits for notices still in
 * flight when it shuts down. Owners are told through CASE_NOTIFIER when a bridge provides it
 * (@sg/case-mail: by e-mail); without one, notices are logged (LoggingCaseNotifier).
 */
@Injectable()
export class CaseNotices implements OnApplicationShutdown {
  private readonly logger = new Logger(CaseNotices.name);
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly notifier: CaseNotifier;

  constructor(
    private readonly repo: CaseRepository,
    private readonly transitions: CaseTransitions,
    private readonly policy: CasePolicy,
    private readonly scheduler: CaseScheduler,
    fallback: LoggingCaseNotifier,
    @Optional() @Inject(CASE_NOTIFIER) notifier?: CaseNotifier,
  ) {
    this.notifier = notifier ?? fallback;
  }

  /** Waits for notices in flight, but not for ever (a notifier or Redis that hangs cannot hold the process). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.race([this.drain(), new Promise((r) => setTimeout(r, NOTIFY_TIMEOUT_MS).unref())]);
  }

  /** Resolves when every notice dispatched so far has been handled (shutdown, benchmarks, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Sends and reports whether the notifier accepted the notice. */
  async send(event: CaseNoticeEvent, c: CaseEntity, details: Record<string, unknown> = {}): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.notifier.notify({ event, at: new Date().toISOString(), case: toNoticeView(c), details }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${NOTIFY_TIMEOUT_MS} ms`)), NOTIFY_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
      return true;
    } catch (err) {
      this.logger.warn({ event, caseId: c.id, err: (err as Error).message }, 'case notice was not accepted');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fire and forget (tracked for shutdown). */
  dispatch(event: CaseNoticeEvent, c: CaseEntity, details: Record<string, unknown> = {}): void {
    this.track(this.send(event, c, details));
  }

  /** Fire and forget opening notices; the cases whose notice was accepted move from open to notified. */
  dispatchOpenings(
    items: { event: 'case-opened' | 'case-reopened'; c: CaseEntity; details: Record<string, unknown> }[],
  ): void {
    this.track(this.announceMany(items));
  }

  /** One opening notice (see announceMany). */
  async announce(
    event: 'case-opened' | 'case-reopened',
    c: CaseEntity,
    details: Record<string, unknown> = {},
  ): Promise<CaseEntity | null> {
    return (await this.announceMany([{ event, c, details }]))[0] ?? null;
  }

  /**
   * Sends opening notices and marks the cases whose notice was accepted as notified, in one
   * transaction. A deadline that passed while nobody had been told starts again from now: a
   * deadline the owner never heard of is not one (the escalation job re-sends the notice in that
   * case instead of shutting down). Returns the cases marked notified.
   */
  async announceMany(
    items: { event: 'case-opened' | 'case-reopened'; c: CaseEntity; details: Record<string, unknown> }[],
  ): Promise<CaseEntity[]> {
    const accepted: typeof items = [];
    for (let i = 0; i < items.length; i += SEND_CONCURRENCY) {
      const slice = items.slice(i, i + SEND_CONCURRENCY);
      const ok = await Promise.all(slice.map((n) => this.send(n.event, n.c, n.details)));
      slice.forEach((n, k) => ok[k] && accepted.push(n));
    }
    if (!accepted.length) return [];
    try {
      const updated = await this.repo.transaction(async (m) => {
        const events = new Map(accepted.map((n) => [n.c.id, n.event]));
        const current = await this.repo.lockMany(m, [...events.keys()]);
        const now = new Date();
        const moves = current
          .filter((c) => c.status === 'open')
          .map((c) => {
            const patch: Partial<CaseEntity> = { notifiedAt: now };
            const fresh = !!c.deadlineAt && c.deadlineAt.getTime() <= now.getTime();
            if (fresh) {
              const ms = this.policy.deadlineMs(c.role, c.kind, c.severity)!;
              Object.assign(patch, {
                deadlineAt: new Date(now.getTime() + ms),
                deadlineSetAt: now,
                escalationRound: c.escalationRound + 1,
              });
            }
            return {
              c,
              to: 'notified' as const,
              change: {
                actor: 'system' as const,
                reason: fresh
                  ? 'the owner was notified after the deadline had passed; the deadline starts again from now'
                  : 'the owner was notified',
                details: {
                  event: events.get(c.id),
                  ...(fresh ? { previousDeadlineAt: c.deadlineAt?.toISOString() } : {}),
                },
                patch,
              },
            };
          });
        return moves.length ? this.transitions.applyMany(m, moves) : [];
      });
      await this.scheduler.sync(updated);
      return updated;
    } catch (err) {
      this.logger.warn(
        { cases: accepted.length, err: (err as Error).message },
        'could not record that owners were notified',
      );
      return [];
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
