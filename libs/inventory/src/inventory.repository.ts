import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { rawQuery } from '@sg/db';
import type { DeploymentInput, SubscriptionInput, VmInput } from './inventory.schemas';
import { VmEntity } from './vm.entity';

export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface AddressRow {
  vmId: string;
  deploymentId: string;
  subscriptionId: string;
  vmName: string;
  family: number;
  ip: string;
  fromMs: number | null;
  toMs: number | null;
}

/** A payload address, flattened for set-based SQL; `ref` names it in the request for errors. */
export interface FlatAddress {
  vmId: string;
  ip: string;
  from: string | null;
  to: string | null;
  ref: string;
}

/**
 * The inventory's queries. Bulk writes are set-based (unnest of arrays), never one statement per
 * row, and report how many rows were created, changed or left as they were.
 */
@Injectable()
export class InventoryRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async upsertSubscriptions(m: EntityManager, rows: SubscriptionInput[]): Promise<UpsertCounts> {
    if (!rows.length) return zero();
    const r: { inserted: boolean }[] = await m.query(
      `INSERT INTO subscriptions (id, name, contacts)
       SELECT id, name, ARRAY(SELECT jsonb_array_elements_text(contacts)) FROM
         unnest($1::text[], $2::text[], $3::jsonb[]) AS t(id, name, contacts)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, contacts = EXCLUDED.contacts, updated_at = now()
         WHERE (subscriptions.name, subscriptions.contacts) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.contacts)
       RETURNING (xmax = 0) AS inserted`,
      [rows.map((s) => s.id), rows.map((s) => s.name), rows.map((s) => JSON.stringify(s.contacts))],
    );
    return counts(rows.length, r);
  }

  async upsertDeployments(m: EntityManager, rows: DeploymentInput[]): Promise<UpsertCounts> {
    if (!rows.length) return zero();
    const r: { inserted: boolean }[] = await m.query(
      `INSERT INTO deployments (id, subscription_id, name)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (id) DO UPDATE SET subscription_id = EXCLUDED.subscription_id, name = EXCLUDED.name, updated_at = now()
         WHERE (deployments.subscription_id, deployments.name) IS DISTINCT FROM (EXCLUDED.subscription_id, EXCLUDED.name)
       RETURNING (xmax = 0) AS inserted`,
      [rows.map((d) => d.id), rows.map((d) => d.subscriptionId), rows.map((d) => d.name)],
    );
    return counts(rows.length, r);
  }

  async upsertVms(m: EntityManager, rows: Pick<VmInput, 'id' | 'deploymentId' | 'name'>[]): Promise<UpsertCounts> {
    if (!rows.length) return zero();
    const r: { inserted: boolean }[] = await m.query(
      `INSERT INTO vms (id, deployment_id, name)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (id) DO UPDATE SET deployment_id = EXCLUDED.deployment_id, name = EXCLUDED.name, updated_at = now()
         WHERE (vms.deployment_id, vms.name) IS DISTINCT FROM (EXCLUDED.deployment_id, EXCLUDED.name)
       RETURNING (xmax = 0) AS inserted`,
      [rows.map((v) => v.id), rows.map((v) => v.deploymentId), rows.map((v) => v.name)],
    );
    return counts(rows.length, r);
  }

  /** Addresses are identified by (vm, ip, from); a repeated import may only move `to`. */
  async upsertAddresses(m: EntityManager, rows: FlatAddress[]): Promise<UpsertCounts> {
    if (!rows.length) return zero();
    const r: { inserted: boolean }[] = await m.query(
      `INSERT INTO vm_addresses (vm_id, ip, valid_from, valid_to)
       SELECT vm_id, ip, vf, vt FROM unnest($1::text[], $2::inet[], $3::timestamptz[], $4::timestamptz[]) AS t(vm_id, ip, vf, vt)
       ON CONFLICT (vm_id, ip, (coalesce(valid_from, '-infinity'::timestamptz)))
         DO UPDATE SET valid_to = EXCLUDED.valid_to WHERE vm_addresses.valid_to IS DISTINCT FROM EXCLUDED.valid_to
       RETURNING (xmax = 0) AS inserted`,
      [rows.map((a) => a.vmId), rows.map((a) => a.ip), rows.map((a) => a.from), rows.map((a) => a.to)],
    );
    return counts(rows.length, r);
  }

  /**
   * Payload addresses that would overlap an address held by another row (another VM, or the same
   * VM with another start). Returned by their `ref`, so the answer can name the field.
   */
  async findAddressConflicts(
    m: EntityManager,
    rows: FlatAddress[],
  ): Promise<{ ref: string; vmId: string; ip: string; otherVmId: string }[]> {
    if (!rows.length) return [];
    return m.query(
      `SELECT p.ref, p.vm_id AS "vmId", host(p.ip) AS ip, a.vm_id AS "otherVmId"
         FROM unnest($1::text[], $2::inet[], $3::timestamptz[], $4::timestamptz[], $5::text[]) AS p(vm_id, ip, vf, vt, ref)
         JOIN vm_addresses a ON a.ip = p.ip
          AND tstzrange(a.valid_from, a.valid_to, '[)') && tstzrange(p.vf, p.vt, '[)')
          AND NOT (a.vm_id = p.vm_id AND coalesce(a.valid_from, '-infinity') = coalesce(p.vf, '-infinity'))
        LIMIT 100`,
      [
        rows.map((a) => a.vmId),
        rows.map((a) => a.ip),
        rows.map((a) => a.from),
        rows.map((a) => a.to),
        rows.map((a) => a.ref),
      ],
    );
  }

  async existingIds(
    m: EntityManager,
    table: 'subscriptions' | 'deployments' | 'vms',
    ids: string[],
  ): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const r: { id: string }[] = await m.query(`SELECT id FROM ${table} WHERE id = ANY($1::text[])`, [ids]);
    return new Set(r.map((x) => x.id));
  }

  async bumpVersion(m: EntityManager): Promise<number> {
    const r: { version: string }[] = await m.query(
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
      `WITH u AS (UPDATE inventory_state SET version = version + 1 WHERE id = 1 RETURNING version) SELECT version FROM u`,
    );
    return Number(r[0].version);
  }

  async version(): Promise<number> {
    const r: { version: string }[] = await this.ds.query(`SELECT version FROM inventory_state WHERE id = 1`);
    return Number(r[0]?.version ?? 0);
  }

  /**
   * Every address interval with its VM's owners, read in one consistent snapshot with the version.
   * Open-ended intervals (current holders) come last, so the index keeps each at the head of its
   * address's chain and answers it from the table slot (an address's intervals never overlap:
   * vm_addresses_no_overlap).
   */
  async loadAddresses(): Promise<{ version: number; rows: AddressRow[] }> {
    return this.ds.transaction('REPEATABLE READ', async (m) => {
      const v: { version: string }[] = await m.query(`SELECT version FROM inventory_state WHERE id = 1`);
      const rows: AddressRow[] = await m.query(
        `SELECT a.vm_id AS "vmId", v.deployment_id AS "deploymentId", d.subscription_id AS "subscriptionId",
                v.name AS "vmName", family(a.ip) AS family, host(a.ip) AS ip,
                (extract(epoch from a.valid_from) * 1000)::float8 AS "fromMs",
                (extract(epoch from a.valid_to) * 1000)::float8 AS "toMs"
           FROM vm_addresses a JOIN vms v ON v.id = a.vm_id JOIN deployments d ON d.id = v.deployment_id
          ORDER BY a.valid_to IS NULL, a.valid_from`,
      );
      return { version: Number(v[0].version), rows };
    });
  }

  /** Names of a VM, its deployment and its subscription, and the subscription's contacts (nulls where unknown). */
  async ownerNames(
    ref: { vmId: string; deploymentId: string; subscriptionId: string },
    m: EntityManager = this.ds.manager,
  ): Promise<{ vm: string | null; dep: string | null; sub: string | null; contacts: string[] | null }> {
    const rows = await rawQuery<{
      vm: string | null;
      dep: string | null;
      sub: string | null;
      contacts: string[] | null;
    }>(
      m,
      `SELECT (SELECT name FROM vms WHERE id = $1) AS vm, (SELECT name FROM deployments WHERE id = $2) AS dep,
              s.name AS sub, s.contacts
         FROM (SELECT 1) x LEFT JOIN subscriptions s ON s.id = $3`,
      [ref.vmId, ref.deploymentId, ref.subscriptionId],
    );
    return rows[0] ?? { vm: null, dep: null, sub: null, contacts: null };
  }

  /** Ids of a deployment's VMs, sorted. */
  async vmIdsOfDeployment(deploymentId: string, m: EntityManager = this.ds.manager): Promise<string[]> {
    const rows = await m.find(VmEntity, { select: { id: true }, where: { deploymentId }, order: { id: 'ASC' } });
    return rows.map((r) => r.id);
  }
}

function zero(): UpsertCounts {
  return { created: 0, updated: 0, unchanged: 0 };
}

function counts(total: number, returned: { inserted: boolean }[]): UpsertCounts {
  const created = returned.filter((r) => r.inserted).length;
  const updated = returned.length - created;
  return { created, updated, unchanged: total - returned.length };
}
