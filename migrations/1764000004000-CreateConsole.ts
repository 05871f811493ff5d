import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The responder console (libs/console): its sessions, and the indexes its pages read through.
 *
 * - `console_sessions`: a browser session made from an API token. Only the SHA-256 of the session id
 *   is stored (a database leak gives no usable cookie); the CSRF token of the session's forms
 *   beside it; `expires_at` is CONSOLE_SESSION_TTL after sign-in.
 * - `cases_queue_idx`: the queue's order over open cases — deadline soonest (targets, without one,
 *   last), then severity (critical first), then the case number — so a keyset page is one index
 *   range scan however many cases there are. The expressions are repeated literally by the query.
 * - The overview's figures and the queue's searches, read from small indexes instead of the rows
 *   (which carry their evidence): open cases by kind, role, status and deadline
 *   (`cases_open_summary_idx`), waiting customer requests (`cases_pending_idx`), openings per day
 *   by direction (`cases_opened_idx`), shutdowns and restarts by time, and cases by deployment
 *   (the VM and subscription ones exist).
 */
export class CreateConsole1764000004000 implements MigrationInterface {
  name = 'CreateConsole1764000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sessions (
        id_hash char(64) PRIMARY KEY,
        token_id text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'responder')),
        csrf text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at)`);
    await q.query(
      `CREATE INDEX cases_queue_idx ON cases (
         (COALESCE(deadline_at, 'infinity'::timestamptz)),
         (CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
         number)
       WHERE closed_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX cases_open_summary_idx ON cases (kind, role, status, deadline_at) WHERE closed_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX cases_pending_idx ON cases (deadline_at) WHERE closed_at IS NULL AND pending_request IS NOT NULL`,
    );
    await q.query(`CREATE INDEX cases_opened_idx ON cases (opened_at) INCLUDE (direction)`);
    await q.query(`CREATE INDEX cases_shut_down_idx ON cases (shut_down_at) WHERE shut_down_at IS NOT NULL`);
    await q.query(`CREATE INDEX cases_restarted_idx ON cases (restarted_at) WHERE restarted_at IS NOT NULL`);
    await q.query(`CREATE INDEX cases_deployment_opened_idx ON cases (deployment_id, opened_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const idx of [
      'cases_deployment_opened_idx',
      'cases_restarted_idx',
      'cases_shut_down_idx',
      'cases_opened_idx',
      'cases_pending_idx',
      'cases_open_summary_idx',
    ])
      await q.query(`DROP INDEX IF EXISTS ${idx}`);
    await q.query(`DROP INDEX IF EXISTS cases_queue_idx`);
    await q.query(`DROP TABLE IF EXISTS console_sessions`);
  }
}
