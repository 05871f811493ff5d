import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests to the control plane (libs/deployment-control). A row is written, with its
 * Idempotency-Key and the exact body, BEFORE the first call goes out: a worker that dies
 * mid-request leaves the row behind, and the worker that takes over sends the same bytes under
 * the same key, so the control plane performs the action once. `attempts > 0` means the request
 * may have reached the control plane, so it can no longer be cancelled.
 * case_id is not a foreign key: deployment control knows cases only by id.
 */
export class CreateDeploymentActions1764000001001 implements MigrationInterface {
  name = 'CreateDeploymentActions1764000001001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deployment_actions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN ('shutdown', 'restart')),
        seq int NOT NULL CHECK (seq > 0),
        deployment_id text NOT NULL,
        vm_ids text[] NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        body text NOT NULL,
        requested_at timestamptz NOT NULL,
        requested_by text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
        provider text,
        attempts int NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        last_status_code int,
        last_error text,
        completed_at timestamptz,
        CONSTRAINT deployment_actions_case_seq_uq UNIQUE (case_id, action, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deployment_actions`);
  }
}
