import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { PendingRequest } from '../persistence/case.entity';

/** The queue's sort key of a case, in the order of cases_queue_idx; also the keyset cursor. */
export interface QueueCursor {
  /** deadline in ms since the epoch; null = no deadline (sorted last). */
  deadline: number | null;
  severityRank: number;
  number: number;
}

export interface QueueFilter {
  status?: string[];
  kind?: string;
  role?: string;
  direction?: string;
  subscriptionId?: string;
  assignee?: string;
  /** Only cases whose deadline comes before this. */
  deadlineBefore?: Date;
  /** Only cases with a customer request waiting for a responder. */
  pending?: boolean;
  /** A case number (`42`, `SG-42`), VM, deployment or subscription id. */
  search?: string;
  /** Cases on these VMs (an address search, resolved by the caller through the inventory). */
  vmIds?: string[];
  /** Cases whose deployment was shut down (or restarted) since then, open or closed: the overview's 7-day figures. */
  shutDownSince?: Date;
  restartedSince?: Date;
  after?: QueueCursor | null;
  limit: number;
}

export interface QueueRow {
  id: string;
  number: number;
  vmId: string;
  deploymentId: string;
  subscriptionId: string;
  role: string;
  direction: string;
  kind: string;
  severity: string;
  status: string;
  openedAt: Date;
  deadlineAt: Date | null;
  assignee: string | null;
  heldAt: Date | null;
  pendingRequest: PendingRequest | null;
  updatedAt: Date;
}

export interface CaseOverview {
  openByKindRole: { kind: string; role: string; count: number }[];
  openedPerDay: { day: string; direction: string; count: number }[];
  shutDown: { now: number; last7d: number };
  restarted7d: number;
  pendingRequests: number;
  deadlinesNext24h: number;
  openTotal: number;
}

/** cases_queue_idx's expressions, written as the index has them so the planner matches them. */
const DEADLINE_KEY = `COALESCE(c.deadline_at, 'infinity'::timestamptz)`;
const SEVERITY_KEY = `(CASE c.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)`;
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

const QUEUE_COLUMNS = `c.id, c.number::int AS number, c.vm_id AS "vmId", c.deployment_id AS "deploymentId",
  c.subscription_id AS "subscriptionId", c.role, c.direction, c.kind, c.severity, c.status, c.opened_at AS "openedAt",
  c.deadline_at AS "deadlineAt", c.assignee, c.held_at AS "heldAt", c.pending_request AS "pendingRequest",
  c.updated_at AS "updatedAt"`;

/**
 * The responders' board over cases (for the console): the open-case queue by urgency with keyset
 * pages, the cases on some VMs, and the overview's figures. Reads only.
 */
@Injectable()
export class CaseBoardService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** One page of open cases (or of the shut-down/restarted lists) by urgency (deadline soonest, then severity, then number); `limit + 1` tells if there is more. */
  async queue(f: QueueFilter): Promise<{ items: QueueRow[]; next: QueueCursor | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.shutDownSince) where.push(`c.shut_down_at >= ${p(f.shutDownSince)}::timestamptz`);
    if (f.restartedSince) where.push(`c.restarted_at >= ${p(f.restartedSince)}::timestamptz`);
    // The shut-down and restart lists count closed cases too, as the overview's figures do.
    if (!f.shutDownSince && !f.restartedSince) where.push('c.closed_at IS NULL');
    if (f.status?.length) where.push(`c.status = ANY(${p(f.status)}::text[])`);
    if (f.kind) where.push(`c.kind = ${p(f.kind)}`);
    if (f.role) where.push(`c.role = ${p(f.role)}`);
    if (f.direction) where.push(`c.direction = ${p(f.direction)}`);
    if (f.subscriptionId) where.push(`c.subscription_id = ${p(f.subscriptionId)}`);
    if (f.assignee) where.push(`c.assignee = ${p(f.assignee)}`);
    if (f.deadlineBefore) where.push(`${DEADLINE_KEY} < ${p(f.deadlineBefore)}::timestamptz`);
    if (f.pending) where.push(`c.pending_request IS NOT NULL`);
    if (f.vmIds) where.push(`c.vm_id = ANY(${p(f.vmIds)}::text[])`);
    if (f.search) {
      const n = /^(?:SG-)?(\d{1,15})$/i.exec(f.search.trim());
      if (n) where.push(`c.number = ${p(Number(n[1]))}`);
      else {
        const s = p(f.search.trim());
        where.push(`(c.vm_id = ${s} OR c.deployment_id = ${s} OR c.subscription_id = ${s})`);
      }
    }
    if (f.after) {
      const d = f.after.deadline === null ? `'infinity'::timestamptz` : `${p(new Date(f.after.deadline))}::timestamptz`;
      where.push(
        `(${DEADLINE_KEY}, ${SEVERITY_KEY}, c.number) > (${d}, ${p(f.after.severityRank)}::int, ${p(f.after.number)}::bigint)`,
      );
    }
    const rows: QueueRow[] = await this.ds.query(
      `SELECT ${QUEUE_COLUMNS} FROM cases c WHERE ${where.join(' AND ')}
        ORDER BY ${DEADLINE_KEY}, ${SEVERITY_KEY}, c.number LIMIT ${p(f.limit + 1)}`,
      params,
    );
    const more = rows.length > f.limit;
    const items = more ? rows.slice(0, f.limit) : rows;
    const last = items[items.length - 1];
    return { items, next: more && last ? cursorOf(last) : null };
  }

  /** The newest cases on these VMs, open or closed (cases_vm_opened_idx). */
  forVms(vmIds: string[], limit: number): Promise<QueueRow[]> {
    if (!vmIds.length) return Promise.resolve([]);
    return this.ds.query(
      `SELECT ${QUEUE_COLUMNS} FROM cases c WHERE c.vm_id = ANY($1::text[]) ORDER BY c.opened_at DESC LIMIT $2`,
      [vmIds, limit],
    );
  }

  /**
   * A stamp of the open cases that changes when one opens, closes or is updated (their count and
   * latest update): the console's live queue polls it.
   */
  async openCasesStamp(): Promise<string> {
    const rows: { stamp: string }[] = await this.ds.query(
      `SELECT count(*) || '.' || coalesce(extract(epoch FROM max(updated_at))::text, '0') AS stamp FROM cases WHERE closed_at IS NULL`,
    );
    return rows[0]?.stamp ?? '';
  }

  /** The id of the case with this number (people say "SG-42"). */
  async idByNumber(n: number): Promise<string | null> {
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM cases WHERE number = $1`, [n]);
    return rows[0]?.id ?? null;
  }

  /**
   * The security overview's figures, each from a small index (cases_open_summary_idx,
   * cases_pending_idx, cases_opened_idx, cases_shut_down_idx, cases_restarted_idx): 14 days of
   * openings by direction, never the rows with their evidence.
   */
  async overview(now = new Date()): Promise<CaseOverview> {
    const day = 86_400_000;
    const week = new Date(now.getTime() - 7 * day);
    const q = <T>(sql: string, params: unknown[] = []) => this.ds.query(sql, params) as Promise<T[]>;
    const [byKind, perDay, open, pending, shut, restarted] = await Promise.all([
      q<{ kind: string; role: string; count: number }>(
        `SELECT kind, role, count(*)::int AS count FROM cases WHERE closed_at IS NULL GROUP BY kind, role ORDER BY count DESC, kind, role`,
      ),
      q<{ day: string; direction: string; count: number }>(
        `SELECT to_char(d, 'YYYY-MM-DD') AS day, direction, sum(n)::int AS count FROM (
           SELECT date_trunc('day', opened_at AT TIME ZONE 'UTC') AS d, direction, count(*) AS n
             FROM cases WHERE opened_at >= $1 GROUP BY 1, 2) t GROUP BY 1, 2 ORDER BY 1, 2`,
        [new Date(now.getTime() - 14 * day)],
      ),
      q<{ total: number; shut: number; due: number }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'shut-down')::int AS shut,
                count(*) FILTER (WHERE deadline_at < $1)::int AS due
           FROM cases WHERE closed_at IS NULL`,
        [new Date(now.getTime() + day)],
      ),
      q<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE closed_at IS NULL AND pending_request IS NOT NULL`),
      q<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE shut_down_at >= $1`, [week]),
      q<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE restarted_at >= $1`, [week]),
    ]);
    return {
      openByKindRole: byKind,
      openedPerDay: perDay,
      shutDown: { now: open[0].shut, last7d: shut[0].n },
      restarted7d: restarted[0].n,
      pendingRequests: pending[0].n,
      deadlinesNext24h: open[0].due,
      openTotal: open[0].total,
    };
  }
}

export function cursorOf(r: Pick<QueueRow, 'deadlineAt' | 'severity' | 'number'>): QueueCursor {
  return {
    deadline: r.deadlineAt ? new Date(r.deadlineAt).getTime() : null,
    severityRank: SEVERITY_RANK[r.severity] ?? 3,
    number: Number(r.number),
  };
}
