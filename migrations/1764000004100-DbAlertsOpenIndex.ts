import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's database alert pages: open alerts newest first (the default triage view, the
 * overview's links `?state=open&type=&severity=`) read from a partial index over the open ones, so
 * a filter that matches few or no open alerts no longer walks every alert ever raised.
 */
export class DbAlertsOpenIndex1764000004100 implements MigrationInterface {
  name = 'DbAlertsOpenIndex1764000004100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX db_alerts_open_idx ON db_alerts (created_at DESC, id) WHERE state = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX db_alerts_open_idx`);
  }
}
