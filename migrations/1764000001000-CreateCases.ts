import type { MigrationInterface, QueryRunner } from 'typeorm';

const OPEN = `'open', 'notified', 'extension-requested', 'exception-requested', 'extended', 'shutdown-pending', 'shut-down', 'shutdown-failed', 'restart-pending', 'restarted'`;
const CLOSED = `'mitigated', 'resolved', 'false-positive', 'closed'`;

/**
 * Cases (libs/cases): one row per incident on a VM, its timeline, the findings that built it and
 * the suppression rules that approved exceptions create.
 *
 * - At most one open case per (vm, role, kind): a partial unique index, so two workers merging
 *   findings for the same VM at once can never open two cases.
 * - The reconciler finds what is due through partial indexes over the few active rows, never by
 *   scanning closed history: deadlines of cases that may still escalate (cases_deadline_due_idx),
 *   reminders (cases_reminder_due_idx) and control-plane calls in flight (cases_action_pending_idx).
 *   The predicates name statuses literally so the planner can prove the reconciler's WHERE implies them.
 * - `number` is the short reference people use (subject tags such as [SG-42], phone calls).
 * - A case is closed exactly when its status is one of the closed ones, and only then has a
 *   resolution; only sources have deadlines. CHECKs hold these, whatever the code does.
 */
export class CreateCases1764000001000 implements MigrationInterface {
  name = 'CreateCases1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number bigserial NOT NULL UNIQUE,
        vm_id text NOT NULL,
        deployment_id text NOT NULL,
        subscription_id text NOT NULL,
        role text NOT NULL CHECK (role IN ('source', 'target')),
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
        kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9-]{0,63}$'),
        severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
        status text NOT NULL CHECK (status IN (${OPEN}, ${CLOSED})),
        resolution text CHECK (resolution IN ('mitigated', 'true-positive', 'false-positive', 'duplicate', 'expected-behaviour')),
        opened_at timestamptz NOT NULL DEFAULT now(),
        notified_at timestamptz,
        closed_at timestamptz,
        deadline_at timestamptz,
        deadline_set_at timestamptz,
        original_deadline_at timestamptz,
        next_reminder_at timestamptz,
        reminders_sent int NOT NULL DEFAULT 0,
        extension_count int NOT NULL DEFAULT 0,
        extension_total_ms bigint NOT NULL DEFAULT 0,
        escalation_round int NOT NULL DEFAULT 0,
        held_at timestamptz,
        held_by text,
        hold_reason text,
        assignee text,
        pending_request jsonb,
        pending_action_id uuid,
        shutdown_count int NOT NULL DEFAULT 0,
        restart_count int NOT NULL DEFAULT 0,
        last_action_error text,
        shut_down_at timestamptz,
        restarted_at timestamptz,
        reopen_count int NOT NULL DEFAULT 0,
        duplicate_of uuid REFERENCES cases(id) ON DELETE SET NULL,
        evidence jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT cases_deadline_sources_ck CHECK (role = 'source' OR deadline_at IS NULL),
        CONSTRAINT cases_closed_ck CHECK ((closed_at IS NULL) = (status IN (${OPEN}))),
        CONSTRAINT cases_resolution_ck CHECK ((resolution IS NULL) = (closed_at IS NULL)),
        CONSTRAINT cases_hold_ck CHECK ((held_at IS NULL) = (held_by IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX cases_one_open_uq ON cases (vm_id, role, kind) WHERE closed_at IS NULL`);
    await q.query(
      `CREATE INDEX cases_deadline_due_idx ON cases (deadline_at)
         WHERE status IN ('open', 'notified', 'extended') AND held_at IS NULL AND deadline_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX cases_reminder_due_idx ON cases (next_reminder_at)
         WHERE status IN ('notified', 'extended') AND held_at IS NULL AND next_reminder_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX cases_action_pending_idx ON cases (updated_at) WHERE status IN ('shutdown-pending', 'restart-pending')`,
    );
    // The reopen rule looks up the latest closed case of a (vm, role, kind).
    await q.query(
      `CREATE INDEX cases_key_closed_idx ON cases (vm_id, role, kind, closed_at DESC) WHERE closed_at IS NOT NULL`,
    );
    // Responder lists: newest first, filtered by status or owner.
    await q.query(`CREATE INDEX cases_status_opened_idx ON cases (status, opened_at DESC)`);
    await q.query(`CREATE INDEX cases_subscription_opened_idx ON cases (subscription_id, opened_at DESC)`);
    await q.query(`CREATE INDEX cases_vm_opened_idx ON cases (vm_id, opened_at DESC)`);

    await q.query(`
      CREATE TABLE case_timeline (
        id bigserial PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor text NOT NULL CHECK (actor IN ('system', 'responder', 'customer')),
        actor_id text,
        type text NOT NULL,
        from_status text,
        to_status text,
        reason text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        visibility text NOT NULL CHECK (visibility IN ('internal', 'customer'))
      )`);
    await q.query(`CREATE INDEX case_timeline_case_idx ON case_timeline (case_id, id)`);

    await q.query(`
      CREATE TABLE case_findings (
        finding_id text PRIMARY KEY,
        case_id uuid REFERENCES cases(id) ON DELETE SET NULL,
        vm_id text NOT NULL,
        role text NOT NULL,
        kind text NOT NULL,
        rule_name text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'ended')),
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        suppressed_rule_id text,
        document jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX case_findings_case_idx ON case_findings (case_id, last_seen DESC) WHERE case_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX case_findings_suppressed_idx ON case_findings (suppressed_rule_id) WHERE suppressed_rule_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE suppression_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL CHECK (scope IN ('vm', 'deployment', 'subscription')),
        scope_id text NOT NULL,
        kind text NOT NULL,
        role text CHECK (role IN ('source', 'target')),
        peer_prefixes text[] NOT NULL DEFAULT '{}',
        ports int[] NOT NULL DEFAULT '{}',
        reason text NOT NULL,
        description text NOT NULL,
        expires_at timestamptz,
        created_from_case uuid REFERENCES cases(id) ON DELETE SET NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_by text,
        matched_count bigint NOT NULL DEFAULT 0,
        last_matched_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX suppression_rules_active_idx ON suppression_rules (scope, scope_id) WHERE revoked_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE suppression_rules`);
    await q.query(`DROP TABLE case_findings`);
    await q.query(`DROP TABLE case_timeline`);
    await q.query(`DROP TABLE cases`);
  }
}
