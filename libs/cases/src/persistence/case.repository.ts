import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { FindingDocument, FindingRole } from '@sg/queues';
import { CaseFindingEntity } from './case-finding.entity';
import { CaseTimelineEntryEntity } from './case-timeline-entry.entity';
import { CaseEntity } from './case.entity';
import type { CaseStatus } from '../domain/case-status';

/** Class id of the cases module's transaction-scoped advisory locks (two-key form, its own key space). */
const KEY_LOCK_CLASS = 727_274_100;

export interface CaseFilter {
  status?: CaseStatus[];
  role?: FindingRole;
  kind?: string;
  severity?: string[];
  vmId?: string;
  deploymentId?: string;
  subscriptionId?: string;
  assignee?: string;
  deadlineBefore?: Date;
  limit: number;
  offset: number;
}

export interface CaseKey {
  vmId: string;
  role: string;
  kind: string;
}

export interface FindingRow {
  findingId: string;
  caseId: string | null;
  suppressedRuleId: string | null;
  document: FindingDocument;
}

/** Due work as the reconciler reads it: only ids and what the job ids are built from. */
export interface DueCase {
  id: string;
  status: CaseStatus;
  deadlineAt: Date | null;
  nextReminderAt: Date | null;
  escalationRound: number;
  heldAt: Date | null;
  pendingActionId: string | null;
  shutdownCount: number;
  restartCount: number;
}

/** The cases module's queries. Hot paths are a handful of statements per group of findings. */
@Injectable()
export class CaseRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /**
   * Serialises all finding processing for one (vm, role, kind) until the transaction ends, so two
   * workers never both decide "no open case, open one". The unique index would refuse the second
   * insert anyway; the lock turns that failure into waiting.
   */
  async lockKey(m: EntityManager, vmId: string, role: string, kind: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [KEY_LOCK_CLASS, `${vmId}|${role}|${kind}`]);
  }

  /** The batch form of lockKey: keys are locked in sorted order, so two batches never deadlock. */
  async lockKeys(m: EntityManager, keys: string[]): Promise<void> {
    const sorted = [...new Set(keys)].sort();
    await m.query(
      `SELECT pg_advisory_xact_lock($1, hashtext(k)) FROM unnest($2::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n`,
      [KEY_LOCK_CLASS, sorted],
    );
  }

  /** The open cases of these (vm, role, kind) keys, locked (in id order). */
  findOpenByKeys(m: EntityManager, keys: CaseKey[]): Promise<CaseEntity[]> {
    if (!keys.length) return Promise.resolve([]);
    return (
      m
        .createQueryBuilder(CaseEntity, 'c')
        .where(
          `(c.vm_id, c.role, c.kind) IN (SELECT * FROM unnest(CAST(:vms AS text[]), CAST(:roles AS text[]), CAST(:kinds AS text[])))`,
          { vms: keys.map((k) => k.vmId), roles: keys.map((k) => k.role), kinds: keys.map((k) => k.kind) },
        )
        .andWhere('c.closed_at IS NULL')
        // Rows are locked in id order, as everywhere else (lockMany), so lockers never deadlock.
        .orderBy('c.id')
        .setLock('pessimistic_write')
        .getMany()
    );
  }

  /** The latest closed case of each key (cases_key_closed_idx), unlocked: a reopen locks the one it reopens. */
  async findLatestClosedByKeys(m: EntityManager, keys: CaseKey[]): Promise<CaseEntity[]> {
    if (!keys.length) return [];
    const rows: { id: string }[] = await m.query(
      `SELECT DISTINCT ON (vm_id, role, kind) id FROM cases
        WHERE (vm_id, role, kind) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
          AND closed_at IS NOT NULL
        ORDER BY vm_id, role, kind, closed_at DESC`,
      [keys.map((k) => k.vmId), keys.map((k) => k.role), keys.map((k) => k.kind)],
    );
    return this.findByIds(
      m,
      rows.map((r) => r.id),
    );
  }

  findByIds(m: EntityManager, ids: string[]): Promise<CaseEntity[]> {
    return ids.length ? m.find(CaseEntity, { where: { id: In(ids) } }) : Promise.resolve([]);
  }

  /** Many new cases in one statement (ids and every column given by the caller); sets their numbers. */
  async insertMany(m: EntityManager, cases: CaseEntity[]): Promise<void> {
    if (!cases.length) return;
    const r = await m
      .createQueryBuilder()
      .insert()
      .into(CaseEntity)
      .values(cases as QueryDeepPartialEntity<CaseEntity>[])
      .returning(['id', 'number'])
      .execute();
    const numbers = new Map((r.raw as { id: string; number: string }[]).map((x) => [x.id, Number(x.number)]));
    for (const c of cases) c.number = numbers.get(c.id)!;
  }

  async addTimelineMany(m: EntityManager, entries: Partial<CaseTimelineEntryEntity>[]): Promise<void> {
    if (entries.length)
      await m.insert(CaseTimelineEntryEntity, entries as QueryDeepPartialEntity<CaseTimelineEntryEntity>[]);
  }

  /**
   * Writes the listed properties of many cases in one statement (their current in-memory values),
   * through jsonb_to_recordset; column names and types come from the entity's metadata.
   */
  async updateMany(m: EntityManager, cases: CaseEntity[], props: (keyof CaseEntity)[]): Promise<void> {
    const unique = [...new Set(props)].filter((p) => p !== 'id' && p !== 'updatedAt');
    if (!cases.length || !unique.length) return;
    const meta = this.ds.getMetadata(CaseEntity);
    const cols = unique.map((p) => {
      const col = meta.findColumnWithPropertyName(p as string);
      if (!col) throw new Error(`no column for case property ${String(p)}`);
      return { prop: p, name: col.databaseName, type: String(col.type) };
    });
    const rows = cases.map((c) =>
      Object.fromEntries([['id', c.id], ...cols.map((col) => [col.name, c[col.prop] ?? null])]),
    );
    await m.query(
      `UPDATE cases AS c SET ${cols.map((col) => `"${col.name}" = t."${col.name}"`).join(', ')}, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, ${cols.map((col) => `"${col.name}" ${col.type}`).join(', ')})
        WHERE c.id = t.id`,
      [JSON.stringify(rows)],
    );
  }

  findOpenByKey(m: EntityManager, vmId: string, role: string, kind: string, lock = true): Promise<CaseEntity | null> {
    const q = m
      .createQueryBuilder(CaseEntity, 'c')
      .where('c.vmId = :vmId AND c.role = :role AND c.kind = :kind AND c.closedAt IS NULL', { vmId, role, kind });
    return (lock ? q.setLock('pessimistic_write') : q).getOne();
  }

  findLatestClosedByKey(m: EntityManager, vmId: string, role: string, kind: string): Promise<CaseEntity | null> {
    return m
      .createQueryBuilder(CaseEntity, 'c')
      .where('c.vmId = :vmId AND c.role = :role AND c.kind = :kind AND c.closedAt IS NOT NULL', {
        vmId,
        role,
        kind,
      })
      .orderBy('c.closedAt', 'DESC')
      .limit(1)
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Locks several cases (in id order, so two callers never deadlock). */
  lockMany(m: EntityManager, ids: string[]): Promise<CaseEntity[]> {
    if (!ids.length) return Promise.resolve([]);
    return m
      .createQueryBuilder(CaseEntity, 'c')
      .where('c.id IN (:...ids)', { ids: [...ids].sort() })
      .orderBy('c.id')
      .setLock('pessimistic_write')
      .getMany();
  }

  lock(m: EntityManager, id: string): Promise<CaseEntity | null> {
    return m.createQueryBuilder(CaseEntity, 'c').where('c.id = :id', { id }).setLock('pessimistic_write').getOne();
  }

  find(id: string, m: EntityManager = this.ds.manager): Promise<CaseEntity | null> {
    return m.findOne(CaseEntity, { where: { id } });
  }

  /** Status, deadline and extensions of a case, without its evidence. */
  standing(id: string): Promise<Pick<CaseEntity, 'status' | 'deadlineAt' | 'extensionCount'> | null> {
    return this.ds.manager.findOne(CaseEntity, {
      select: { id: true, status: true, deadlineAt: true, extensionCount: true },
      where: { id },
    });
  }

  /** Whether an inbound message already left an entry on the case's timeline. */
  async hasTimelineEntryFor(caseId: string, inboundMessageId: string): Promise<boolean> {
    return this.ds.manager
      .createQueryBuilder(CaseTimelineEntryEntity, 't')
      .where('t.caseId = :caseId', { caseId })
      .andWhere(`t.details->>'inboundMessageId' = :inboundMessageId`, { inboundMessageId })
      .getExists();
  }

  async insert(m: EntityManager, c: Partial<CaseEntity>): Promise<CaseEntity> {
    const r = await m.insert(CaseEntity, c as QueryDeepPartialEntity<CaseEntity>);
    return m.findOneOrFail(CaseEntity, { where: { id: r.identifiers[0].id as string } });
  }

  async update(m: EntityManager, id: string, patch: Partial<CaseEntity>): Promise<void> {
    await m.update(CaseEntity, id, { ...patch, updatedAt: new Date() } as QueryDeepPartialEntity<CaseEntity>);
  }

  async addTimeline(m: EntityManager, entry: Partial<CaseTimelineEntryEntity>): Promise<CaseTimelineEntryEntity> {
    const r = await m.insert(CaseTimelineEntryEntity, entry as QueryDeepPartialEntity<CaseTimelineEntryEntity>);
    return { ...(entry as CaseTimelineEntryEntity), id: String(r.identifiers[0].id) };
  }

  async findings(m: EntityManager, ids: string[]): Promise<Map<string, FindingRow>> {
    if (!ids.length) return new Map();
    const rows = await m.find(CaseFindingEntity, {
      where: { findingId: In(ids) },
      select: { findingId: true, caseId: true, suppressedRuleId: true, document: true },
    });
    return new Map(rows.map((r) => [r.findingId, r]));
  }

  /** One statement for all findings of a group (multi-row upsert through unnest). */
  async upsertFindings(m: EntityManager, rows: FindingRow[]): Promise<void> {
    if (!rows.length) return;
    await m.query(
      `INSERT INTO case_findings (finding_id, case_id, vm_id, role, kind, rule_name, status, first_seen, last_seen,
                                  suppressed_rule_id, document)
       SELECT t.id, t.case_id, d->>'vmId', d->>'role', d->>'kind', d->'rule'->>'name', d->>'status',
              (d->>'firstSeen')::timestamptz, (d->>'lastSeen')::timestamptz, t.rule_id, d
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::jsonb[]) AS t(id, case_id, rule_id, d)
       ON CONFLICT (finding_id) DO UPDATE SET
         case_id = EXCLUDED.case_id, status = EXCLUDED.status, rule_name = EXCLUDED.rule_name,
         first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen,
         suppressed_rule_id = EXCLUDED.suppressed_rule_id, document = EXCLUDED.document, updated_at = now()`,
      [
        rows.map((r) => r.findingId),
        rows.map((r) => r.caseId),
        rows.map((r) => r.suppressedRuleId),
        rows.map((r) => JSON.stringify(r.document)),
      ],
    );
  }

  async list(f: CaseFilter): Promise<{ items: CaseEntity[]; total: number }> {
    const q = this.ds.manager.createQueryBuilder(CaseEntity, 'c');
    if (f.status?.length) q.andWhere('c.status IN (:...status)', { status: f.status });
    if (f.severity?.length) q.andWhere('c.severity IN (:...severity)', { severity: f.severity });
    if (f.role) q.andWhere('c.role = :role', { role: f.role });
    if (f.kind) q.andWhere('c.kind = :kind', { kind: f.kind });
    if (f.vmId) q.andWhere('c.vmId = :vmId', { vmId: f.vmId });
    if (f.deploymentId) q.andWhere('c.deploymentId = :deploymentId', { deploymentId: f.deploymentId });
    if (f.subscriptionId) q.andWhere('c.subscriptionId = :subscriptionId', { subscriptionId: f.subscriptionId });
    if (f.assignee) q.andWhere('c.assignee = :assignee', { assignee: f.assignee });
    if (f.deadlineBefore) q.andWhere('c.deadlineAt < :before', { before: f.deadlineBefore });
    const [items, total] = await q
      .orderBy('c.openedAt', 'DESC')
      .addOrderBy('c.id', 'ASC')
      .take(f.limit)
      .skip(f.offset)
      .getManyAndCount();
    return { items, total };
  }

  timeline(caseId: string, visibility?: 'customer'): Promise<CaseTimelineEntryEntity[]> {
    return this.ds.manager.find(CaseTimelineEntryEntity, {
      where: visibility ? { caseId, visibility } : { caseId },
      order: { id: 'ASC' },
    });
  }

  linkedFindings(caseId: string, limit: number): Promise<CaseFindingEntity[]> {
    return this.ds.manager.find(CaseFindingEntity, {
      where: { caseId },
      order: { lastSeen: 'DESC' },
      take: limit,
      select: {
        findingId: true,
        ruleName: true,
        status: true,
        firstSeen: true,
        lastSeen: true,
        suppressedRuleId: true,
        receivedAt: true,
      },
    });
  }

  /**
   * Deadlines due by `until` among cases that may still escalate and are not held. The WHERE
   * repeats the predicate of cases_deadline_due_idx literally, so the planner reads the index
   * (a few active rows) and never the closed history.
   */
  dueDeadlines(until: Date, limit: number, m: EntityManager = this.ds.manager): Promise<DueCase[]> {
    return m.query(`SELECT ${DUE_COLUMNS} FROM cases ${DUE_WHERE.deadlines}`, [until, limit]);
  }

  /** Reminders due by `until` (cases_reminder_due_idx). */
  dueReminders(until: Date, limit: number, m: EntityManager = this.ds.manager): Promise<DueCase[]> {
    return m.query(`SELECT ${DUE_COLUMNS} FROM cases ${DUE_WHERE.reminders}`, [until, limit]);
  }

  /** Control-plane calls not yet settled (cases_action_pending_idx). */
  pendingActions(limit: number, m: EntityManager = this.ds.manager): Promise<DueCase[]> {
    return m.query(`SELECT ${DUE_COLUMNS} FROM cases ${DUE_WHERE.actions}`, [limit]);
  }

  /** PostgreSQL's plan for one of the reconciler's queries (tests and the bench check the indexes). */
  async explainDue(which: keyof typeof DUE_WHERE, until: Date, limit: number): Promise<string> {
    const params = which === 'actions' ? [limit] : [until, limit];
    const rows: { 'QUERY PLAN': string }[] = await this.ds.query(
      `EXPLAIN SELECT ${DUE_COLUMNS} FROM cases ${DUE_WHERE[which]}`,
      params,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }
}

const DUE_WHERE = {
  deadlines: `WHERE status IN ('open', 'notified', 'extended') AND held_at IS NULL AND deadline_at IS NOT NULL
                AND deadline_at <= $1 ORDER BY deadline_at LIMIT $2`,
  reminders: `WHERE status IN ('notified', 'extended') AND held_at IS NULL AND next_reminder_at IS NOT NULL
                AND next_reminder_at <= $1 ORDER BY next_reminder_at LIMIT $2`,
  actions: `WHERE status IN ('shutdown-pending', 'restart-pending') ORDER BY updated_at LIMIT $1`,
};

const DUE_COLUMNS = `id, status, deadline_at AS "deadlineAt", next_reminder_at AS "nextReminderAt",
  escalation_round AS "escalationRound", held_at AS "heldAt", pending_action_id AS "pendingActionId",
  shutdown_count AS "shutdownCount", restart_count AS "restartCount"`;
