import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inventory: subscriptions own deployments, deployments own VMs, VMs hold addresses over time.
 * Cloud addresses are reused, so an address row has a validity interval [valid_from, valid_to)
 * (NULL = open), and an exclusion constraint makes it impossible for two rows to hold the same
 * address over overlapping intervals. inventory_state.version is bumped by every change so that
 * each process can tell whether its in-memory address index is stale.
 */
export class CreateInventory1764000000000 implements MigrationInterface {
  name = 'CreateInventory1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subscriptions (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
        name text NOT NULL,
        contacts text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE deployments (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
        subscription_id text NOT NULL REFERENCES subscriptions(id) ON DELETE RESTRICT,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deployments_subscription_idx ON deployments (subscription_id)`);
    await q.query(`
      CREATE TABLE vms (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
        deployment_id text NOT NULL REFERENCES deployments(id) ON DELETE RESTRICT,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX vms_deployment_idx ON vms (deployment_id)`);
    await q.query(`
      CREATE TABLE vm_addresses (
        id bigserial PRIMARY KEY,
        vm_id text NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
        ip inet NOT NULL CHECK (masklen(ip) = CASE WHEN family(ip) = 4 THEN 32 ELSE 128 END),
        valid_from timestamptz,
        valid_to timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT vm_addresses_interval_ck CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to),
        CONSTRAINT vm_addresses_no_overlap EXCLUDE USING gist (ip inet_ops WITH =, tstzrange(valid_from, valid_to, '[)') WITH &&)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX vm_addresses_identity_uq ON vm_addresses (vm_id, ip, coalesce(valid_from, '-infinity'::timestamptz))`,
    );
    await q.query(`CREATE INDEX vm_addresses_vm_idx ON vm_addresses (vm_id)`);
    await q.query(`CREATE TABLE inventory_state (id int PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)`);
    await q.query(`INSERT INTO inventory_state (id, version) VALUES (1, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inventory_state`);
    await q.query(`DROP TABLE vm_addresses`);
    await q.query(`DROP TABLE vms`);
    await q.query(`DROP TABLE deployments`);
    await q.query(`DROP TABLE subscriptions`);
  }
}
