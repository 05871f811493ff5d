import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { LoginEvent } from '../events/login-event';
import { emptyIpFacts, type IpEnrichment } from './ip-enrichment';

const DAY = 86_400_000;

/** A stored login event as the API shows it (activity around an alert). */
export interface StoredLoginEvent {
  at: string;
  kind: string;
  clientIp: string;
  clientPort: number;
  user: string;
  database: string;
  application: string;
  sqlState: string;
  invalidUser: boolean;
  country: string;
  asn: number;
  pid: number;
}

/**
 * db_login_events: one multi-row INSERT per batch (unnest of column arrays, no per-event
 * statement), into daily partitions created here on first use and dropped whole by `dropBefore`.
 */
@Injectable()
export class LoginEventRepository {
  private readonly knownDays = new Set<number>();

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores `events[i]` for every i with `take[i]` set; answers which of them were new (a re-read
   * line of a named source is not). Country and AS are stored with each event for the activity view.
   */
  async insert(
    serverId: string,
    source: string,
    events: readonly LoginEvent[],
    offsets: readonly number[],
    take: Uint8Array,
    enrichment: IpEnrichment,
  ): Promise<Uint8Array> {
    const n = events.length;
    const fresh = new Uint8Array(n);
    const cols: unknown[][] = Array.from({ length: 16 }, () => []);
    const days = new Set<number>();
    const facts = emptyIpFacts();
    for (let i = 0; i < n; i++) {
      if (!take[i]) continue;
      const e = events[i];
      enrichment.lookup(e.clientIp, facts);
      days.add(Math.floor(e.at / DAY));
      cols[0].push(e.at);
      cols[1].push(e.kind);
      cols[2].push(e.pid);
      cols[3].push(e.sessionId);
      cols[4].push(e.clientIp);
      cols[5].push(e.clientPort);
      cols[6].push(e.user);
      cols[7].push(e.database);
      cols[8].push(e.application);
      cols[9].push(e.sqlState);
      cols[10].push(e.invalidUser);
      cols[11].push(e.authMethod);
      cols[12].push(e.sessionMs);
      cols[13].push(facts.country);
      cols[14].push(facts.asn);
      cols[15].push(source ? offsets[i] : null);
    }
    if (cols[0].length === 0) return fresh;
    await this.ensurePartitions(days);
    const insert = () =>
      this.ds.query<{ o: string | null }[]>(
        `INSERT INTO db_login_events (server_id, at, kind, pid, session_id, client_ip, client_port, user_name, database,
          application, sql_state, invalid_user, auth_method, session_ms, country, asn, source, source_offset)
       SELECT $1, to_timestamp(t.at / 1000.0), t.kind, t.pid, t.sid, t.ip, t.port, t.u, t.d, t.app, t.st, t.inv, t.am,
          t.ms, t.cc, t.asn, $2, t.off
         FROM unnest($3::float8[], $4::text[], $5::int[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::bool[], $14::text[], $15::bigint[], $16::text[], $17::bigint[],
                     $18::bigint[]) AS t(at, kind, pid, sid, ip, port, u, d, app, st, inv, am, ms, cc, asn, off)
       ON CONFLICT DO NOTHING${source ? ' RETURNING source_offset AS o' : ''}`,
        [serverId, source, ...cols],
      );
    let rows: { o: string | null }[];
    try {
      rows = await insert();
    } catch (err) {
      // 23514: no partition for a row. Another process dropped a day this one thought it had.
      if ((err as { driverError?: { code?: string } }).driverError?.code !== '23514') throw err;
      this.knownDays.clear();
      await this.ensurePartitions(days);
      rows = await insert();
    }
    // Without a source nothing can conflict: every event taken is new (and nothing was returned).
    if (!source) {
      fresh.set(take);
      return fresh;
    }
    const stored = new Set<number>();
    for (const r of rows) if (r.o !== null) stored.add(Number(r.o));
    for (let i = 0; i < n; i++) if (take[i] && stored.has(offsets[i])) fresh[i] = 1;
    return fresh;
  }

  /** A server's events between two times, oldest first (the activity around an alert). */
  async between(serverId: string, from: Date, to: Date, limit: number, clientIp?: string): Promise<StoredLoginEvent[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT at, kind, client_ip, client_port, user_name, database, application, sql_state, invalid_user, country, asn, pid
         FROM db_login_events
        WHERE server_id = $1 AND at >= $2 AND at <= $3 AND ($5::text IS NULL OR client_ip = $5)
        ORDER BY at, pid LIMIT $4`,
      [serverId, from, to, limit, clientIp ?? null],
    );
    return rows.map((r) => ({
      at: (r.at as Date).toISOString(),
      kind: r.kind as string,
      clientIp: r.client_ip as string,
      clientPort: r.client_port as number,
      user: r.user_name as string,
      database: r.database as string,
      application: r.application as string,
      sqlState: r.sql_state as string,
      invalidUser: r.invalid_user as boolean,
      country: r.country as string,
      asn: Number(r.asn),
      pid: r.pid as number,
    }));
  }

  /** Deletes a server's events (the server was removed; the partitioned table has no foreign key). */
  async deleteServer(serverId: string): Promise<void> {
    await this.ds.query(`DELETE FROM db_login_events WHERE server_id = $1`, [serverId]);
  }

  /** Drops the daily partitions that end before `before`; answers their names. */
  async dropBefore(before: Date): Promise<string[]> {
    const rows: { name: string; bound: string }[] = await this.ds.query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'db_login_events'::regclass`,
    );
    const dropped: string[] = [];
    for (const r of rows) {
      const m = /TO \('([^']+)'\)/.exec(r.bound);
      if (!m || Date.parse(m[1]) > before.getTime()) continue;
      await this.ds.query(`DROP TABLE IF EXISTS "${r.name.replace(/"/g, '')}"`);
      this.knownDays.delete(Math.floor(Date.parse(m[1]) / DAY) - 1);
      dropped.push(r.name);
    }
    return dropped;
  }

  private async ensurePartitions(days: Set<number>): Promise<void> {
    const missing = [...days].filter((d) => !this.knownDays.has(d));
    if (!missing.length) return;
    await this.ds.transaction(async (m) => {
      // Two writers creating the same day at once would collide; the lock makes them take turns.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('db_login_events partitions'))`);
      for (const d of missing) {
        const from = new Date(d * DAY).toISOString().slice(0, 10);
        const to = new Date((d + 1) * DAY).toISOString().slice(0, 10);
        await m.query(
          `CREATE TABLE IF NOT EXISTS db_login_events_${from.replace(/-/g, '')} PARTITION OF db_login_events
             FOR VALUES FROM ('${from} 00:00:00+00') TO ('${to} 00:00:00+00')`,
        );
      }
    });
    for (const d of missing) this.knownDays.add(d);
  }
}
