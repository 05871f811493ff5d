import { Inject, Injectable } from '@nestjs/common';
import { DomainException, ErrorCode, formatIPv6, parseIPv6, type FieldError } from '@sg/common';
import { REDIS, type RedisClient } from '@sg/queues';
import type { EntityManager } from 'typeorm';
import { INVENTORY_CHANGED_CHANNEL, InventoryIndexService } from './inventory-index.service';
import { InventoryRepository, type FlatAddress, type UpsertCounts } from './inventory.repository';
import type { AddressInput, InventoryImport } from './inventory.schemas';

export interface ImportResult {
  subscriptions: UpsertCounts;
  deployments: UpsertCounts;
  vms: UpsertCounts;
  addresses: UpsertCounts;
  version: number;
}

/**
 * Inventory decisions: referential checks, overlap checks and the idempotent bulk import.
 * Every write runs in one transaction, bumps the inventory version when something changed,
 * rebuilds this process's index and tells the other processes.
 */
@Injectable()
export class InventoryService {
  constructor(
    private readonly repo: InventoryRepository,
    private readonly index: InventoryIndexService,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  async import(input: InventoryImport): Promise<ImportResult> {
    checkDuplicateIds(input);
    const addresses = flattenAddresses(input.vms, (i, j) => `vms[${i}].addresses[${j}]`);
    checkPayloadOverlaps(addresses);
    const result = await this.repo.transaction(async (m) => {
      await this.checkReferences(m, input);
      await this.checkConflicts(m, addresses);
      const subscriptions = await this.repo.upsertSubscriptions(m, input.subscriptions);
      const deployments = await this.repo.upsertDeployments(m, input.deployments);
      const vms = await this.repo.upsertVms(m, input.vms);
      const addrs = await this.repo.upsertAddresses(m, addresses);
      const changed = [subscriptions, deployments, vms, addrs].some((c) => c.created + c.updated > 0);
      const version = changed ? await this.repo.bumpVersion(m) : this.index.version;
      return { subscriptions, deployments, vms, addresses: addrs, version, changed };
    });
    if (result.changed) await this.afterChange(result.version);
    const { changed: _changed, ...rest } = result;
    return rest;
  }

  /** Runs a write in a transaction and, if it reports a change, bumps the version and propagates. */
  async write<T>(fn: (m: EntityManager) => Promise<{ value: T; changed: boolean }>): Promise<T> {
    const { value, version } = await this.repo.transaction(async (m) => {
      const r = await fn(m);
      return { value: r.value, version: r.changed ? await this.repo.bumpVersion(m) : -1 };
    });
    if (version >= 0) await this.afterChange(version);
    return value;
  }

  async checkAddressConflicts(m: EntityManager, addresses: FlatAddress[]): Promise<void> {
    checkPayloadOverlaps(addresses);
    await this.checkConflicts(m, addresses);
  }

  private async afterChange(version: number): Promise<void> {
    await this.index.reload();
    // Other processes also converge through their periodic version check if this is lost.
    await this.redis.publish(INVENTORY_CHANGED_CHANNEL, String(version)).catch(() => undefined);
  }

  private async checkReferences(m: EntityManager, input: InventoryImport): Promise<void> {
    const errors: FieldError[] = [];
    const subIds = new Set(input.subscriptions.map((s) => s.id));
    const needSubs = [...new Set(input.deployments.map((d) => d.subscriptionId).filter((id) => !subIds.has(id)))];
    const haveSubs = await this.repo.existingIds(m, 'subscriptions', needSubs);
    input.deployments.forEach((d, i) => {
      if (!subIds.has(d.subscriptionId) && !haveSubs.has(d.subscriptionId)) {
        errors.push({
          field: `deployments[${i}].subscriptionId`,
          message: `unknown subscription "${d.subscriptionId}"`,
        });
      }
    });
    const depIds = new Set(input.deployments.map((d) => d.id));
    const needDeps = [...new Set(input.vms.map((v) => v.deploymentId).filter((id) => !depIds.has(id)))];
    const haveDeps = await this.repo.existingIds(m, 'deployments', needDeps);
    input.vms.forEach((v, i) => {
      if (!depIds.has(v.deploymentId) && !haveDeps.has(v.deploymentId)) {
        errors.push({ field: `vms[${i}].deploymentId`, message: `unknown deployment "${v.deploymentId}"` });
      }
    });
    if (errors.length) throw DomainException.validation(errors.slice(0, 100));
  }

  private async checkConflicts(m: EntityManager, addresses: FlatAddress[]): Promise<void> {
    const conflicts = await this.repo.findAddressConflicts(m, addresses);
    if (conflicts.length) {
      throw new DomainException(
        ErrorCode.CONFLICT,
        `address held by another VM over an overlapping interval: ${conflicts[0].ref}`,
        conflicts.map((c) => ({
          field: c.ref,
          message: `${c.ip} overlaps an interval held by VM "${c.otherVmId}"`,
        })),
      );
    }
  }
}

export function flattenAddresses(
  vms: { id: string; addresses: AddressInput[] }[],
  ref: (vmIndex: number, addrIndex: number) => string,
): FlatAddress[] {
  const out: FlatAddress[] = [];
  vms.forEach((v, i) =>
    v.addresses.forEach((a, j) =>
      out.push({ vmId: v.id, ip: normalizeIp(a.ip), from: a.from ?? null, to: a.to ?? null, ref: ref(i, j) }),
    ),
  );
  return out;
}

/** Canonical text of an address, so "::ffff:0:1" and equivalents compare equal. */
function normalizeIp(ip: string): string {
  const v6 = ip.includes(':') ? parseIPv6(ip) : null;
  return v6 ? formatIPv6(v6) : ip;
}

function checkDuplicateIds(input: InventoryImport): void {
  const errors: FieldError[] = [];
  const dup = (list: { id: string }[], name: string) => {
    const seen = new Map<string, number>();
    list.forEach((x, i) => {
      if (seen.has(x.id))
        errors.push({ field: `${name}[${i}].id`, message: `duplicate of ${name}[${seen.get(x.id)}]` });
      else seen.set(x.id, i);
    });
  };
  dup(input.subscriptions, 'subscriptions');
  dup(input.deployments, 'deployments');
  dup(input.vms, 'vms');
  if (errors.length) throw DomainException.validation(errors.slice(0, 100));
}

/** Two addresses in one request that claim the same IP over overlapping intervals. */
function checkPayloadOverlaps(addresses: FlatAddress[]): void {
  const byIp = new Map<string, FlatAddress[]>();
  for (const a of addresses) {
    const list = byIp.get(a.ip);
    if (list) list.push(a);
    else byIp.set(a.ip, [a]);
  }
  const errors: FieldError[] = [];
  for (const list of byIp.values()) {
    if (list.length < 2) continue;
    const sorted = list
      .map((a) => ({ a, from: a.from ? Date.parse(a.from) : -Infinity, to: a.to ? Date.parse(a.to) : Infinity }))
      .sort((x, y) => x.from - y.from);
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k].from < sorted[k - 1].to) {
        errors.push({
          field: sorted[k].a.ref,
          message: `${sorted[k].a.ip} overlaps ${sorted[k - 1].a.ref} (VM "${sorted[k - 1].a.vmId}") over the same interval`,
        });
      }
    }
  }
  if (errors.length) {
    throw new DomainException(
      ErrorCode.CONFLICT,
      `address claimed twice over overlapping intervals: ${errors[0].field}`,
      errors,
    );
  }
}
