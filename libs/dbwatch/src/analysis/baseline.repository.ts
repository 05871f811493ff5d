import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { BaselineEntry, BaselineKind } from './login-detector';

/** db_baselines: what each server's successful logins came from, with first and last sighting (event time). */
@Injectable()
export class BaselineRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async load(
    serverId: string,
    since: Date,
  ): Promise<{ start: number; entries: { kind: BaselineKind; value: string; firstSeen: number; lastSeen: number }[] }> {
    const rows: { kind: string; value: string; first_seen: Date; last_seen: Date }[] = await this.ds.query(
      `SELECT kind, value, first_seen, last_seen FROM db_baselines
        WHERE server_id = $1 AND (kind = 'start' OR last_seen >= $2)`,
      [serverId, since],
    );
    let start = 0;
    const entries = [];
    for (const r of rows) {
      if (r.kind === 'start') start = r.first_seen.getTime();
      else
        entries.push({
          kind: r.kind as BaselineKind,
          value: r.value,
          firstSeen: r.first_seen.getTime(),
          lastSeen: r.last_seen.getTime(),
        });
    }
    return { start, entries };
  }

  /** Upserts changed entries in one statement (sightings only move outward). */
  async save(serverId: string, start: number | null, entries: readonly BaselineEntry[]): Promise<void> {
    const kinds: string[] = [];
    const values: string[] = [];
    const firsts: number[] = [];
    const lasts: number[] = [];
    if (start !== null) {
      kinds.push('start');
      values.push('');
      firsts.push(start);
      lasts.push(start);
    }
    for (const e of entries) {
      kinds.push(e.kind);
      values.push(e.value);
      firsts.push(e.firstSeen);
      lasts.push(e.lastSeen);
    }
    if (!kinds.length) return;
    await this.ds.query(
      `INSERT INTO db_baselines (server_id, kind, value, first_seen, last_seen)
       SELECT $1, t.k, t.v, to_timestamp(t.f / 1000.0), to_timestamp(t.l / 1000.0)
         FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[]) AS t(k, v, f, l)
       ON CONFLICT (server_id, kind, value) DO UPDATE
         SET first_seen = least(db_baselines.first_seen, excluded.first_seen),
             last_seen = greatest(db_baselines.last_seen, excluded.last_seen)`,
      [serverId, kinds, values, firsts, lasts],
    );
  }

  /**
   * Whether a value was seen on the server before `at` and within `windowMs` of it, as stored by
   * any process (each keeps its own copy of the baselines in memory).
   */
  async seenBefore(serverId: string, kind: string, value: string, at: number, windowMs: number): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `SELECT 1 FROM db_baselines
        WHERE server_id = $1 AND kind = $2 AND value = $3 AND first_seen < $4 AND last_seen >= $5`,
      [serverId, kind, value, new Date(at), new Date(at - windowMs)],
    );
    return rows.length > 0;
  }

  /** Forgets sightings older than the window (they no longer count). */
  async pruneBefore(before: Date): Promise<number> {
    const r: [unknown[], number] = await this.ds.query(
      `DELETE FROM db_baselines WHERE kind <> 'start' AND last_seen < $1`,
      [before],
    );
    return r[1] ?? 0;
  }
}
