import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { DB_ALERT_INFO, isDbAlertType } from './alert-types';
import type { DbAlert, DbAlertFilter, DbAlertState, DbAlertSuppression, DbAlertTimelineEntry } from './db-alert';
import type { DbAlertSeverity } from '../servers/db-server-policy.entity';

/** What is stored for a new alert or folded into an open one. */
export interface AlertWrite {
  serverId: string;
  subscriptionId: string;
  type: string;
  severity: DbAlertSeverity;
  dedupeKey: string;
  sourceIp: string;
  user: string;
  database: string;
  application: string;
  firstSeen: Date;
  lastSeen: Date;
  evidence: Record<string, unknown>;
  suppression: { id: string; reason: string } | null;
}

const ALERT_COLUMNS = `id, server_id, subscription_id, type, severity, state, source_ip, user_name, database, application,
  first_seen, last_seen, count, evidence, suppressed_by, mailed_at, created_at, updated_at`;

const iso = (d: unknown): string => (d as Date).toISOString();

function toAlert(r: Record<string, unknown>): DbAlert {
  const type = r.type as string;
  return {
    id: r.id as string,
    serverId: r.server_id as string,
    subscriptionId: r.subscription_id as string,
    type,
    title: isDbAlertType(type) ? DB_ALERT_INFO[type].title : type,
    severity: r.severity as DbAlertSeverity,
    state: r.state as DbAlertState,
    sourceIp: r.source_ip as string,
    user: r.user_name as string,
    database: r.database as string,
    application: r.application as string,
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    count: r.count as number,
    evidence: r.evidence as Record<string, unknown>,
    suppressedBy: (r.suppressed_by as string | null) ?? null,
    mailedAt: r.mailed_at ? iso(r.mailed_at) : null,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function toSuppression(r: Record<string, unknown>): DbAlertSuppression {
  return {
    id: r.id as string,
    serverId: (r.server_id as string | null) ?? null,
    subscriptionId: (r.subscription_id as string | null) ?? null,
    alertType: (r.alert_type as string | null) ?? null,
    sourceCidr: (r.source_cidr as string | null) ?? null,
    user: (r.user_name as string | null) ?? null,
    application: (r.application as string | null) ?? null,
    reason: r.reason as string,
    expiresAt: r.expires_at ? iso(r.expires_at) : null,
    createdBy: r.created_by as string,
    createdAt: iso(r.created_at),
  };
}

/** SQL over db_alerts (as `a`) that is true when suppression rule `s` matches the alert. */
const RULE_MATCHES = `(s.server_id IS NULL OR s.server_id = a.server_id)
  AND (s.subscription_id IS NULL OR s.subscription_id = a.subscription_id)
  AND (s.alert_type IS NULL OR s.alert_type = a.type)
  AND (s.source_cidr IS NULL OR (a.source_ip <> '' AND a.source_ip::inet <<= s.source_cidr))
  AND (s.user_name IS NULL OR s.user_name = a.user_name)
  AND (s.application IS NULL OR s.application = a.application)`;

/** db_alerts, their timeline, suppression rules and the mail throttle. */
@Injectable()
export class AlertRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /**
   * Folds a hit into the open alert of the same server, type and key whose last sighting is within
   * `dedupeMs` (event time), or opens a new one. Answers the alert id and whether it is new.
   */
  async foldOrInsert(w: AlertWrite, dedupeMs: number): Promise<{ id: string; created: boolean }> {
    return this.ds.transaction(async (m) => {
      // One writer per (server, type, key) at a time, so two batches cannot open two alerts.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${w.serverId}/${w.type}/${w.dedupeKey}`]);
      const open: { id: string }[] = await m.query(
        `SELECT id FROM db_alerts
          WHERE server_id = $1 AND type = $2 AND dedupe_key = $3 AND state = 'open'
            AND last_seen >= $4 AND first_seen <= $5
          ORDER BY last_seen DESC LIMIT 1`,
        [
          w.serverId,
          w.type,
          w.dedupeKey,
          new Date(w.firstSeen.getTime() - dedupeMs),
          new Date(w.lastSeen.getTime() + dedupeMs),
        ],
      );
      if (open.length) {
        // The latest values and counts replace the old ones; the events seen first stay.
        await m.query(
          `UPDATE db_alerts
              SET count = count + 1, first_seen = least(first_seen, $2), last_seen = greatest(last_seen, $3),
                  evidence = evidence || jsonb_build_object('values', $4::jsonb->'values', 'repeats', count + 1),
                  updated_at = now()
            WHERE id = $1`,
          [open[0].id, w.firstSeen, w.lastSeen, JSON.stringify(w.evidence)],
        );
        return { id: open[0].id, created: false };
      }
      const state: DbAlertState = w.suppression ? 'dismissed' : 'open';
      const rows: { id: string }[] = await m.query(
        `INSERT INTO db_alerts (server_id, subscription_id, type, severity, state, dedupe_key, source_ip, user_name,
            database, application, first_seen, last_seen, evidence, suppressed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
        [
          w.serverId,
          w.subscriptionId,
          w.type,
          w.severity,
          state,
          w.dedupeKey,
          w.sourceIp,
          w.user,
          w.database,
          w.application,
          w.firstSeen,
          w.lastSeen,
          JSON.stringify(w.evidence),
          w.suppression?.id ?? null,
        ],
      );
      const id = rows[0].id;
      await this.addTimeline(m, id, 'opened', 'system', 'alert raised', { severity: w.severity });
      if (w.suppression)
        await this.addTimeline(m, id, 'dismissed', 'system', `suppressed: ${w.suppression.reason}`, {
          suppressionId: w.suppression.id,
        });
      return { id, created: true };
    });
  }

  async addTimeline(
    m: EntityManager,
    alertId: string,
    kind: string,
    actor: string,
    note: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await m.query(`INSERT INTO db_alert_timeline (alert_id, kind, actor, note, details) VALUES ($1, $2, $3, $4, $5)`, [
      alertId,
      kind,
      actor,
      note,
      JSON.stringify(details),
    ]);
  }

  async list(f: DbAlertFilter): Promise<DbAlert[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ${ALERT_COLUMNS} FROM db_alerts
        WHERE ($1::text IS NULL OR server_id = $1) AND ($2::text IS NULL OR type = $2)
          AND ($3::text IS NULL OR severity = $3) AND ($4::text IS NULL OR state = $4)
          AND ($5::timestamptz IS NULL OR last_seen >= $5) AND ($6::timestamptz IS NULL OR first_seen <= $6)
        ORDER BY created_at DESC, id LIMIT $7 OFFSET $8`,
      [
        f.serverId ?? null,
        f.type ?? null,
        f.severity ?? null,
        f.state ?? null,
        f.from ?? null,
        f.to ?? null,
        f.limit,
        f.offset,
      ],
    );
    return rows.map(toAlert);
  }

  /** Open alerts counted by type and severity (the console's overview). */
  async openCounts(): Promise<{ type: string; severity: string; count: number }[]> {
    const rows: { type: string; severity: string; count: string }[] = await this.ds.query(
      `SELECT type, severity, count(*) AS count FROM db_alerts WHERE state = 'open' GROUP BY type, severity
        ORDER BY count(*) DESC, type, severity`,
    );
    return rows.map((r) => ({ type: r.type, severity: r.severity, count: Number(r.count) }));
  }

  async get(id: string, m: EntityManager | DataSource = this.ds, lock = false): Promise<DbAlert | null> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT ${ALERT_COLUMNS} FROM db_alerts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows.length ? toAlert(rows[0]) : null;
  }

  async timeline(id: string): Promise<DbAlertTimelineEntry[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT at, kind, actor, note, details FROM db_alert_timeline WHERE alert_id = $1 ORDER BY id`,
      [id],
    );
    return rows.map((r) => ({
      at: iso(r.at),
      kind: r.kind as string,
      actor: r.actor as string,
      note: r.note as string,
      details: r.details as Record<string, unknown>,
    }));
  }

  async setState(m: EntityManager, id: string, state: DbAlertState): Promise<void> {
    await m.query(`UPDATE db_alerts SET state = $2, updated_at = now() WHERE id = $1`, [id, state]);
  }

  /** The open, unmailed alerts of a server and type, oldest first, locked for this mail. */
  async takeUnmailed(m: EntityManager, serverId: string, type: string, limit = 50): Promise<DbAlert[]> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT ${ALERT_COLUMNS} FROM db_alerts
        WHERE server_id = $1 AND type = $2 AND mailed_at IS NULL AND state = 'open'
        ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [serverId, type, limit],
    );
    return rows.map(toAlert);
  }

  async markMailed(m: EntityManager, ids: string[], outboxId: string | null, note: string): Promise<void> {
    await m.query(`UPDATE db_alerts SET mailed_at = now(), updated_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
    for (const id of ids) await this.addTimeline(m, id, 'mailed', 'system', note, { outboxId });
  }

  /** Locks the throttle row of (server, type); answers when the last mail went, null for never. */
  /**
   * Locks the server's throttle row for the type (made on first use) and answers when its alerts
   * were last mailed (null: never), or 'gone' when the server was deleted: its alerts went with it,
   * and a job still queued for it has nothing to do (the row's foreign key would otherwise fail the
   * insert on every retry).
   */
  async lockThrottle(m: EntityManager, serverId: string, type: string): Promise<Date | null | 'gone'> {
    await m.query(
      `INSERT INTO db_alert_mail_throttle (server_id, alert_type, last_sent_at)
       SELECT $1, $2, 'epoch' WHERE EXISTS (SELECT 1 FROM db_servers WHERE id = $1)
       ON CONFLICT DO NOTHING`,
      [serverId, type],
    );
    const rows: { last_sent_at: Date }[] = await m.query(
      `SELECT last_sent_at FROM db_alert_mail_throttle WHERE server_id = $1 AND alert_type = $2 FOR UPDATE`,
      [serverId, type],
    );
    if (!rows.length) return 'gone';
    const t = rows[0].last_sent_at;
    return t.getTime() === 0 ? null : t;
  }

  async markThrottle(m: EntityManager, serverId: string, type: string, at: Date): Promise<void> {
    await m.query(`UPDATE db_alert_mail_throttle SET last_sent_at = $3 WHERE server_id = $1 AND alert_type = $2`, [
      serverId,
      type,
      at,
    ]);
  }

  async createSuppression(s: Omit<DbAlertSuppression, 'id' | 'createdAt'>): Promise<DbAlertSuppression> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `INSERT INTO db_alert_suppressions (server_id, subscription_id, alert_type, source_cidr, user_name, application,
          reason, expires_at, created_by)
       VALUES ($1, $2, $3, network($4::inet), $5, $6, $7, $8, $9) RETURNING *`,
      [
        s.serverId,
        s.subscriptionId,
        s.alertType,
        s.sourceCidr,
        s.user,
        s.application,
        s.reason,
        s.expiresAt,
        s.createdBy,
      ],
    );
    return toSuppression(rows[0]);
  }

  async listSuppressions(): Promise<DbAlertSuppression[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM db_alert_suppressions ORDER BY created_at`,
    );
    return rows.map(toSuppression);
  }

  async deleteSuppression(id: string): Promise<boolean> {
    const r: [unknown[], number] = await this.ds.query(`DELETE FROM db_alert_suppressions WHERE id = $1`, [id]);
    return (r[1] ?? 0) > 0;
  }

  /** The first unexpired rule that matches an alert about to be stored, or null. */
  async matchSuppression(w: AlertWrite): Promise<{ id: string; reason: string } | null> {
    const rows: { id: string; reason: string }[] = await this.ds.query(
      `SELECT s.id, s.reason
         FROM (SELECT $1::text AS server_id, $2::text AS subscription_id, $3::text AS type, $4::text AS source_ip,
                      $5::text AS user_name, $6::text AS application) a
         JOIN db_alert_suppressions s ON ${RULE_MATCHES}
        WHERE s.expires_at IS NULL OR s.expires_at > now()
        ORDER BY s.created_at LIMIT 1`,
      [w.serverId, w.subscriptionId, w.type, w.sourceIp, w.user, w.application],
    );
    return rows[0] ?? null;
  }

  /** How many past alerts (and which, up to 20) a rule would have dismissed. */
  async simulate(rule: Omit<DbAlertSuppression, 'id' | 'createdAt' | 'reason' | 'createdBy' | 'expiresAt'>): Promise<{
    matched: number;
    sample: string[];
  }> {
    const rows: { id: string; total: string }[] = await this.ds.query(
      `SELECT a.id, count(*) OVER () AS total
         FROM db_alerts a,
              (SELECT $1::text AS server_id, $2::text AS subscription_id, $3::text AS alert_type, network($4::inet) AS source_cidr,
                      $5::text AS user_name, $6::text AS application) s
        WHERE ${RULE_MATCHES}
        ORDER BY a.created_at DESC LIMIT 20`,
      [rule.serverId, rule.subscriptionId, rule.alertType, rule.sourceCidr, rule.user, rule.application],
    );
    return { matched: rows.length ? Number(rows[0].total) : 0, sample: rows.map((r) => r.id) };
  }
}
