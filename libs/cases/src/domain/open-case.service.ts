import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { emptyEvidence, isNewerFinding, mergeEvidence } from './case-evidence';
import { CaseNotices } from './case-notices.service';
import type { CaseNoticeEvent } from './case-notifier';
import { CasePolicy } from './case-policy';
import { CaseScheduler } from './case-scheduler.service';
import { caseSeverity, maxSeverity } from './case-severity';
import type { CaseTimelineEntryEntity } from '../persistence/case-timeline-entry.entity';
import { CaseTransitions, type CaseChange } from './case-transitions.service';
import type { CaseEntity } from '../persistence/case.entity';
import type { CaseStatus } from './case-status';
import { CaseRepository, type CaseKey, type FindingRow } from '../persistence/case.repository';
import type { FindingDocument } from '@sg/queues';
import { reopenDeadline } from './reopen-deadline';
import { decideAfterClose } from './reopen-rule';
import { SuppressionRulesService, type SuppressionMatcher } from '@sg/suppression';

export interface IngestSummary {
  /** New cases. */
  opened: number;
  /** Closed cases reopened by the reopen rule. */
  reopened: number;
  /** Findings folded into an open case. */
  merged: number;
  /** Findings recorded on a closed case without reopening it (false positive, duplicate). */
  recorded: number;
  /** Findings an approved exception covers: recorded, no case. */
  suppressed: number;
  /** Redeliveries and outdated updates: nothing changed. */
  unchanged: number;
}

type Notice = { event: CaseNoticeEvent; c: CaseEntity; details: Record<string, unknown> };

/** Findings per transaction: large enough to amortise the commit, small enough to keep locks short. */
const BATCH = 500;
/** Transactions in flight at once per ingest call (each on its own pooled connection). */
const BATCH_CONCURRENCY = 4;

const zero = (): IngestSummary => ({ opened: 0, reopened: 0, merged: 0, recorded: 0, suppressed: 0, unchanged: 0 });
const keyOf = (f: CaseKey) => `${f.vmId}|${f.role}|${f.kind}`;

/**
 * What one transaction accumulates: new cases and timeline entries are written in bulk at the end
 * (or earlier, right before a status change needs them in the table), evidence in one UPDATE.
 */
class Batch {
  readonly summary = zero();
  readonly open = new Map<string, CaseEntity>();
  readonly closed = new Map<string, CaseEntity>();
  readonly byId = new Map<string, CaseEntity>();
  readonly pendingInserts: CaseEntity[] = [];
  readonly timeline: Partial<CaseTimelineEntryEntity>[] = [];
  readonly dirty = new Set<CaseEntity>();
  readonly changed = new Map<string, CaseEntity>();
  readonly rows = new Map<string, FindingRow>();
  readonly hits = new Map<string, { n: number; at: Date }>();
  readonly notices: Notice[] = [];

  constructor(readonly stored: Map<string, FindingRow>) {}

  remember(c: CaseEntity): CaseEntity {
    this.byId.set(c.id, c);
    return c;
  }
}

/**
 * Findings in, cases out. A batch of findings is one transaction: its (vm, role, kind) keys are
 * locked (advisory locks, sorted), so at most one case is open per key and concurrent updates never
 * lose evidence; everything else is a handful of set-based statements. Processing the same document
 * twice changes nothing: each finding's last document is kept, and one that is not newer is
 * skipped. Jobs and notices go out after the commit.
 */
@Injectable()
export class OpenCaseService {
  constructor(
    private readonly repo: CaseRepository,
    private readonly transitions: CaseTransitions,
    private readonly policy: CasePolicy,
    private readonly scheduler: CaseScheduler,
    private readonly notices: CaseNotices,
    private readonly suppressions: SuppressionRulesService,
  ) {}

  async ingest(docs: FindingDocument[]): Promise<IngestSummary> {
    const groups = new Map<string, FindingDocument[]>();
    for (const d of docs) {
      const g = groups.get(keyOf(d));
      if (g) g.push(d);
      else groups.set(keyOf(d), [d]);
    }
    // A key's findings stay together, in event-time order; keys are packed into batches.
    const batches: FindingDocument[][][] = [];
    let current: FindingDocument[][] = [];
    let size = 0;
    for (const g of groups.values()) {
      g.sort((a, b) => Date.parse(a.lastSeen) - Date.parse(b.lastSeen) || a.counts.flows - b.counts.flows);
      if (size && size + g.length > BATCH) {
        batches.push(current);
        current = [];
        size = 0;
      }
      current.push(g);
      size += g.length;
    }
    if (current.length) batches.push(current);

    const matcher = await this.suppressions.matcher();
    const total = zero();
    const changed = new Map<string, CaseEntity>();
    const notices: Notice[] = [];
    const run = async () => {
      for (let b = batches.shift(); b; b = batches.shift()) {
        const batch = b;
        const r = await this.repo.transaction((m) => this.processBatch(m, batch, matcher));
        for (const k of Object.keys(total) as (keyof IngestSummary)[]) total[k] += r.summary[k];
        for (const c of r.changed.values()) changed.set(c.id, c);
        notices.push(...r.notices);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, batches.length) }, run));

    await this.scheduler.sync([...changed.values()]);
    const openings = notices.filter((n) => n.event === 'case-opened' || n.event === 'case-reopened');
    if (openings.length)
      this.notices.dispatchOpenings(openings.map((n) => ({ ...n, event: n.event as 'case-opened' })));
    for (const n of notices) if (!openings.includes(n)) this.notices.dispatch(n.event, n.c, n.details);
    return total;
  }

  private async processBatch(
    m: EntityManager,
    groups: FindingDocument[][],
    matcher: SuppressionMatcher,
  ): Promise<Batch> {
    const keys = groups.map((g) => ({ vmId: g[0].vmId, role: g[0].role, kind: g[0].kind }));
    await this.repo.lockKeys(m, keys.map(keyOf));
    const b = new Batch(
      await this.repo.findings(
        m,
        groups.flatMap((g) => g.map((d) => d.id)),
      ),
    );
    for (const c of await this.repo.findOpenByKeys(m, keys)) b.open.set(keyOf(c), b.remember(c));
    const withoutOpen = keys.filter((k) => !b.open.has(keyOf(k)));
    for (const c of await this.repo.findLatestClosedByKeys(m, withoutOpen)) b.closed.set(keyOf(c), b.remember(c));
    const linked = [...b.stored.values()].map((r) => r.caseId).filter((id): id is string => !!id && !b.byId.has(id));
    for (const c of await this.repo.findByIds(m, [...new Set(linked)])) b.remember(c);

    for (const g of groups) for (const doc of g) await this.applyFinding(m, b, doc, matcher);

    await this.flushPending(m, b);
    await this.repo.updateMany(m, [...b.dirty], ['evidence', 'severity']);
    await this.repo.upsertFindings(m, [...b.rows.values()]);
    await this.suppressions.recordMatches(m, b.hits);
    return b;
  }

  private async applyFinding(
    m: EntityManager,
    b: Batch,
    doc: FindingDocument,
    matcher: SuppressionMatcher,
  ): Promise<void> {
    const key = keyOf(doc);
    const prev = b.rows.get(doc.id) ?? b.stored.get(doc.id) ?? null;
    if (prev && !isNewerFinding(prev.document, doc)) {
      b.summary.unchanged++;
      return;
    }
    const counted = prev && !prev.suppressedRuleId ? prev : null;
    const suppressedBy = doc.suppressed?.ruleId ?? matcher.match(doc)?.id ?? null;
    if (suppressedBy) {
      // Recorded and counted against the rule, never acted on: no case opens or escalates.
      b.rows.set(doc.id, {
        findingId: doc.id,
        caseId: prev?.caseId ?? null,
        suppressedRuleId: suppressedBy,
        document: doc,
      });
      const h = b.hits.get(suppressedBy) ?? { n: 0, at: new Date(0) };
      h.n++;
      h.at = new Date(Math.max(h.at.getTime(), Date.parse(doc.lastSeen)));
      b.hits.set(suppressedBy, h);
      b.summary.suppressed++;
      return;
    }

    let target = b.open.get(key) ?? null;
    let previous: FindingDocument | null = null;
    if (target) {
      previous = counted?.caseId === target.id ? counted.document : null;
    } else {
      // No open case for the key: the case this finding counted in before, or the key's latest closed one.
      const closed = (counted?.caseId ? b.byId.get(counted.caseId) : undefined) ?? b.closed.get(key) ?? null;
      const decision = closed?.closedAt
        ? decideAfterClose(
            { status: closed.status, closedAt: closed.closedAt.getTime(), rules: closed.evidence.rules },
            doc,
            Date.now(),
            this.policy.reopen,
            closed.resolution,
          )
        : { action: 'new-case' as const, why: 'no case for this VM, role and kind' };

      if (!closed || decision.action === 'new-case') {
        const c = this.newCase(b, doc, decision.why);
        b.open.set(key, c);
        b.rows.set(doc.id, { findingId: doc.id, caseId: c.id, suppressedRuleId: null, document: doc });
        b.notices.push({ event: 'case-opened', c, details: { findingId: doc.id } });
        b.summary.opened++;
        return;
      }
      previous = counted?.caseId === closed.id ? counted.document : null;
      if (decision.action === 'record-only') {
        if (!previous) {
          b.timeline.push(
            this.entry(
              closed,
              'finding-recorded',
              `finding ${doc.id} recorded without reopening: ${decision.why}`,
              {
                findingId: doc.id,
                rule: doc.rule,
              },
              'internal',
            ),
          );
        }
        closed.evidence = mergeEvidence(closed.evidence, previous, doc);
        b.dirty.add(closed);
        b.rows.set(doc.id, { findingId: doc.id, caseId: closed.id, suppressedRuleId: null, document: doc });
        b.summary.recorded++;
        return;
      }
      // Reopen: lock the row now (the batch read it unlocked) and work on the locked copy.
      const locked = b.remember((await this.repo.lock(m, closed.id))!);
      target = await this.reopen(m, b, locked, doc, decision.why);
      b.open.set(key, target);
      b.closed.delete(key);
      b.summary.reopened++;
    }

    const severity = maxSeverity(target.severity, caseSeverity(doc.kind, doc.role, doc.severity));
    if (severity !== target.severity) {
      b.timeline.push(
        this.entry(target, 'severity', `severity raised from ${target.severity} to ${severity} by finding ${doc.id}`, {
          findingId: doc.id,
          from: target.severity,
          to: severity,
        }),
      );
      target.severity = severity;
    }
    target.evidence = mergeEvidence(target.evidence, previous, doc);
    if (!b.pendingInserts.includes(target)) b.dirty.add(target);
    b.rows.set(doc.id, { findingId: doc.id, caseId: target.id, suppressedRuleId: null, document: doc });
    b.summary.merged++;
    await this.afterMerge(m, b, target, doc);
  }

  /**
   * What new evidence changes beyond the evidence: traffic seen after a restart reopens the watch
   * with a new deadline; a target whose every finding ended is mitigated (nothing is asked of its
   * owner, so nothing waits for a deadline).
   */
  private async afterMerge(m: EntityManager, b: Batch, c: CaseEntity, doc: FindingDocument): Promise<void> {
    if (c.status === 'restarted' && c.restartedAt && Date.parse(doc.lastSeen) > c.restartedAt.getTime()) {
      await this.move(m, b, c, 'open', {
        actor: 'system',
        reason: `the traffic came back after the restart (finding ${doc.id}, last seen ${doc.lastSeen})`,
        details: { findingId: doc.id, restartedAt: c.restartedAt.toISOString() },
        patch: this.freshDeadline(c),
      });
      b.notices.push({ event: 'case-reopened', c, details: { findingId: doc.id, afterRestart: true } });
      return;
    }
    if (c.role === 'target' && c.evidence.activeFindings === 0 && (c.status === 'open' || c.status === 'notified')) {
      await this.move(m, b, c, 'mitigated', {
        actor: 'system',
        reason: `the attack on the VM ended (finding ${doc.id} ended at ${doc.lastSeen})`,
        details: { findingId: doc.id },
      });
      b.open.delete(keyOf(c));
      b.closed.set(keyOf(c), c);
      b.notices.push({ event: 'mitigated', c, details: { findingId: doc.id } });
    }
  }

  /**
   * The traffic came back to a closed case within CASE_REOPEN_WINDOW. The case keeps its deadline
   * (reopenDeadline: a passed one becomes now + CASE_REOPEN_GRACE, halved per reopen — never a full
   * new one) and counts the reopen. An owner who was told of the case before goes straight back to
   * notified (extended if it had an extension) and hears that the traffic resumed, not a new red
   * e-mail; an owner never told gets the opening notice, as for a new case.
   */
  private async reopen(m: EntityManager, b: Batch, c: CaseEntity, doc: FindingDocument, why: string): Promise<CaseEntity> {
    const reopenCount = c.reopenCount + 1;
    const now = Date.now();
    const previous = c.deadlineAt?.toISOString() ?? null;
    const d = reopenDeadline(c.deadlineAt?.getTime() ?? null, now, reopenCount, this.policy.reopenGraceMs);
    const deadlineAt = d.deadlineMs === null ? null : new Date(d.deadlineMs).toISOString();
    const told = !!c.notifiedAt;
    const patch: Partial<CaseEntity> = { reopenCount, duplicateOf: null, escalationRound: c.escalationRound + 1 };
    if (d.deadlineMs !== null && !d.kept)
      Object.assign(patch, { deadlineAt: new Date(d.deadlineMs), deadlineSetAt: new Date(now) });
    const deadlineNote = !deadlineAt
      ? ''
      : d.kept
        ? `; the deadline ${deadlineAt} stands`
        : `; the deadline ${previous} had passed: escalation at ${deadlineAt} (reopen ${reopenCount})`;
    const moved = await this.move(m, b, c, !told ? 'open' : c.extensionCount > 0 ? 'extended' : 'notified', {
      actor: 'system',
      reason: `reopened by finding ${doc.id}: ${why}${deadlineNote}`,
      details: {
        findingId: doc.id,
        rule: doc.rule,
        closedAs: c.resolution,
        reopenCount,
        previousDeadlineAt: previous,
        deadlineAt,
        deadlineKept: d.kept,
      },
      patch,
    });
    const details = { findingId: doc.id, why, reopenCount, previousDeadlineAt: previous, deadlineKept: d.kept };
    b.notices.push({ event: told ? 'traffic-resumed' : 'case-reopened', c: moved, details });
    return moved;
  }

  /** A status change in the middle of a batch: what the batch holds back is written first, in order. */
  private async move(
    m: EntityManager,
    b: Batch,
    c: CaseEntity,
    to: CaseStatus,
    change: CaseChange,
  ): Promise<CaseEntity> {
    await this.flushPending(m, b);
    const moved = await this.transitions.apply(m, c, to, change);
    b.dirty.add(moved);
    b.changed.set(moved.id, moved);
    return moved;
  }

  private async flushPending(m: EntityManager, b: Batch): Promise<void> {
    await this.repo.insertMany(m, b.pendingInserts.splice(0));
    await this.repo.addTimelineMany(m, b.timeline.splice(0));
  }

  private newCase(b: Batch, doc: FindingDocument, why: string): CaseEntity {
    const severity = caseSeverity(doc.kind, doc.role, doc.severity);
    const now = new Date();
    const ms = this.policy.deadlineMs(doc.role, doc.kind, severity);
    const deadlineAt = ms === null ? null : new Date(now.getTime() + ms);
    const c: CaseEntity = {
      id: randomUUID(),
      // Assigned by PostgreSQL when the batch writes the case (insertMany).
      number: 0,
      vmId: doc.vmId,
      deploymentId: doc.deploymentId,
      subscriptionId: doc.subscriptionId,
      role: doc.role,
      direction: doc.direction,
      kind: doc.kind,
      severity,
      status: 'open',
      resolution: null,
      openedAt: now,
      notifiedAt: null,
      closedAt: null,
      deadlineAt,
      deadlineSetAt: deadlineAt ? now : null,
      originalDeadlineAt: deadlineAt,
      // Set when the owner has been told (reminders go only to owners who know of the deadline).
      nextReminderAt: null,
      remindersSent: 0,
      extensionCount: 0,
      extensionTotalMs: 0,
      escalationRound: 0,
      heldAt: null,
      heldBy: null,
      holdReason: null,
      assignee: null,
      pendingRequest: null,
      pendingActionId: null,
      shutdownCount: 0,
      restartCount: 0,
      lastActionError: null,
      shutDownAt: null,
      restartedAt: null,
      reopenCount: 0,
      duplicateOf: null,
      evidence: mergeEvidence(emptyEvidence(doc.firstSeen), null, doc),
      updatedAt: now,
    };
    b.pendingInserts.push(b.remember(c));
    b.changed.set(c.id, c);
    b.timeline.push({
      ...this.entry(c, 'transition', `opened from finding ${doc.id}: ${doc.rule.description}`, {
        findingId: doc.id,
        rule: doc.rule,
        severity,
        deadlineAt: deadlineAt?.toISOString() ?? null,
        why,
      }),
      fromStatus: null,
    });
    return c;
  }

  private entry(
    c: CaseEntity,
    type: string,
    reason: string,
    details: Record<string, unknown>,
    visibility: 'customer' | 'internal' = 'customer',
  ): Partial<CaseTimelineEntryEntity> {
    return {
      caseId: c.id,
      actor: 'system',
      actorId: null,
      type,
      fromStatus: c.status,
      toStatus: c.status,
      reason,
      details,
      visibility,
    };
  }

  /** A new deadline from the policy (sources), counted from now; the owner is told again. */
  private freshDeadline(c: CaseEntity): Partial<CaseEntity> {
    const ms = this.policy.deadlineMs(c.role, c.kind, c.severity);
    if (ms === null) return {};
    const now = new Date();
    return {
      deadlineAt: new Date(now.getTime() + ms),
      deadlineSetAt: now,
      originalDeadlineAt: new Date(now.getTime() + ms),
      escalationRound: c.escalationRound + 1,
      notifiedAt: null,
    };
  }
}
