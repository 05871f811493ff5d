import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * dbwatch analysis (libs/dbwatch/src/analysis): the servers' login events, their baselines, the
 * alerts with evidence and timeline, suppression rules and the alert-mail throttle.
 *
 * - db_login_events is partitioned by event time, one partition a day, created on demand by the
 *   writer and dropped whole when older than DBWATCH_BASELINE_WINDOW (no DELETE over old rows).
 *   (server_id, source, source_offset, at) is unique, so a follower that re-reads lines after a
 *   crash stores (and analyses) nothing twice; uploads have no offset (NULL) and are never merged.
 * - db_alerts fold repeats: one open alert per (server, type, dedupe_key) within DBWATCH_ALERT_DEDUPE,
 *   found through db_alerts_fold_idx. Unmailed alerts are found through a partial index.
 */
export class CreateDbAlerts1764000003200 implements MigrationInterface {
  name = 'CreateDbAlerts1764000003200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE db_login_events (
        server_id text NOT NULL,
        at timestamptz NOT NULL,
        kind text NOT NULL CHECK (kind IN ('connect', 'login-ok', 'login-failed', 'hba-rejected', 'disconnect')),
        pid integer NOT NULL DEFAULT 0,
        session_id text NOT NULL DEFAULT '',
        client_ip text NOT NULL DEFAULT '',
        client_port integer NOT NULL DEFAULT 0,
        user_name text NOT NULL DEFAULT '',
        database text NOT NULL DEFAULT '',
        application text NOT NULL DEFAULT '',
        sql_state text NOT NULL DEFAULT '',
        invalid_user boolean NOT NULL DEFAULT false,
        auth_method text NOT NULL DEFAULT '',
        session_ms bigint NOT NULL DEFAULT 0,
        country text NOT NULL DEFAULT '',
        asn bigint NOT NULL DEFAULT 0,
        source text NOT NULL DEFAULT '',
        source_offset bigint,
        UNIQUE (server_id, source, source_offset, at)
      ) PARTITION BY RANGE (at)`);
    await q.query(`CREATE INDEX db_login_events_server_at_idx ON db_login_events (server_id, at)`);

    await q.query(`
      CREATE TABLE db_baselines (
        server_id text NOT NULL REFERENCES db_servers(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('start', 'user', 'country', 'asn', 'provider', 'region', 'application')),
        value text NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (server_id, kind, value)
      )`);

    await q.query(`
      CREATE TABLE db_alert_suppressions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        server_id text REFERENCES db_servers(id) ON DELETE CASCADE,
        subscription_id text,
        alert_type text,
        source_cidr cidr,
        user_name text,
        application text,
        reason text NOT NULL,
        expires_at timestamptz,
        created_by text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE db_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        server_id text NOT NULL REFERENCES db_servers(id) ON DELETE CASCADE,
        subscription_id text NOT NULL,
        type text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'dismissed', 'resolved')),
        dedupe_key text NOT NULL,
        source_ip text NOT NULL DEFAULT '',
        user_name text NOT NULL DEFAULT '',
        database text NOT NULL DEFAULT '',
        application text NOT NULL DEFAULT '',
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        count integer NOT NULL DEFAULT 1,
        evidence jsonb NOT NULL,
        suppressed_by uuid REFERENCES db_alert_suppressions(id) ON DELETE SET NULL,
        mailed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX db_alerts_fold_idx ON db_alerts (server_id, type, dedupe_key, last_seen DESC)`);
    await q.query(`CREATE INDEX db_alerts_created_idx ON db_alerts (created_at DESC)`);
    await q.query(
      `CREATE INDEX db_alerts_unmailed_idx ON db_alerts (server_id, type) WHERE mailed_at IS NULL AND state = 'open'`,
    );

    await q.query(`
      CREATE TABLE db_alert_timeline (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES db_alerts(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        kind text NOT NULL,
        actor text NOT NULL DEFAULT 'system',
        note text NOT NULL DEFAULT '',
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX db_alert_timeline_alert_idx ON db_alert_timeline (alert_id, id)`);

    await q.query(`
      CREATE TABLE db_alert_mail_throttle (
        server_id text NOT NULL REFERENCES db_servers(id) ON DELETE CASCADE,
        alert_type text NOT NULL,
        last_sent_at timestamptz NOT NULL,
        PRIMARY KEY (server_id, alert_type)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE db_alert_mail_throttle`);
    await q.query(`DROP TABLE db_alert_timeline`);
    await q.query(`DROP TABLE db_alerts`);
    await q.query(`DROP TABLE db_alert_suppressions`);
    await q.query(`DROP TABLE db_baselines`);
    // Dropping the parent drops every partition with it.
    await q.query(`DROP TABLE db_login_events`);
  }
}
