import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Managed PostgreSQL servers watched by dbwatch, and each one's threat-protection policy.
 * A server belongs to a subscription (its owner, whose contacts may get the alert mail).
 */
export class CreateDbServers1764000003000 implements MigrationInterface {
  name = 'CreateDbServers1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE db_servers (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,128}$'),
        subscription_id text NOT NULL REFERENCES subscriptions(id) ON DELETE RESTRICT,
        name text NOT NULL,
        host text,
        log_format text NOT NULL CHECK (log_format IN ('stderr', 'csvlog', 'jsonlog')),
        log_line_prefix text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX db_servers_subscription_idx ON db_servers (subscription_id)`);
    await q.query(`
      CREATE TABLE db_server_policies (
        server_id text PRIMARY KEY REFERENCES db_servers(id) ON DELETE CASCADE,
        enabled boolean NOT NULL DEFAULT true,
        recipients text[] NOT NULL DEFAULT '{}',
        notify_subscription_contacts boolean NOT NULL DEFAULT true,
        disabled_alert_types text[] NOT NULL DEFAULT '{}',
        min_severity text NOT NULL DEFAULT 'low' CHECK (min_severity IN ('low', 'medium', 'high')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE db_server_policies`);
    await q.query(`DROP TABLE db_servers`);
  }
}
