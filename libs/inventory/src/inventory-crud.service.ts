import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DomainException, ErrorCode } from '@sg/common';
import { rawQuery } from '@sg/db';
import { DeploymentEntity } from './deployment.entity';
import { InventoryService, flattenAddresses } from './inventory.service';
import type { AddressInput, DeploymentInput, ListQuery, SubscriptionInput, VmInput } from './inventory.schemas';
import { SubscriptionEntity } from './subscription.entity';
import { VmAddressEntity } from './vm-address.entity';
import { VmEntity } from './vm.entity';

type Patch<T> = Partial<T>;

/** One interval during which a VM held an address, with its owners. */
export interface AddressHolder {
  vmId: string;
  vmName: string;
  deploymentId: string;
  deploymentName: string;
  subscriptionId: string;
  subscriptionName: string;
  contacts: string[];
  from: Date | null;
  to: Date | null;
}

/** Plain create/read/update/delete of inventory rows; writes go through InventoryService.write. */
@Injectable()
export class InventoryCrudService {
  constructor(
    private readonly inventory: InventoryService,
    @InjectRepository(SubscriptionEntity) private readonly subscriptions: Repository<SubscriptionEntity>,
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(VmEntity) private readonly vms: Repository<VmEntity>,
    @InjectRepository(VmAddressEntity) private readonly vmAddresses: Repository<VmAddressEntity>,
  ) {}

  listSubscriptions(q: ListQuery) {
    return this.subscriptions.find({ order: { id: 'ASC' }, take: q.limit, skip: q.offset });
  }

  async getSubscription(id: string) {
    return (await this.subscriptions.findOneBy({ id })) ?? notFound('subscription', id);
  }

  createSubscription(input: SubscriptionInput) {
    return this.inventory.write(async (m) => {
      if (await m.existsBy(SubscriptionEntity, { id: input.id })) conflict('subscription', input.id);
      return { value: await m.save(m.create(SubscriptionEntity, input)), changed: true };
    });
  }

  updateSubscription(id: string, patch: Patch<SubscriptionInput>) {
    return this.inventory.write(async (m) => {
      const row = (await m.findOneBy(SubscriptionEntity, { id })) ?? notFound('subscription', id);
      Object.assign(row, patch);
      return { value: await m.save(row), changed: true };
    });
  }

  deleteSubscription(id: string) {
    return this.inventory.write(async (m) => {
      if (await m.existsBy(DeploymentEntity, { subscriptionId: id })) {
        throw new DomainException(ErrorCode.CONFLICT, `subscription ${id} still has deployments`);
      }
      const r = await m.delete(SubscriptionEntity, { id });
      if (!r.affected) notFound('subscription', id);
      return { value: undefined, changed: true };
    });
  }

  listDeployments(q: ListQuery) {
    return this.deployments.find({
      where: q.subscriptionId ? { subscriptionId: q.subscriptionId } : {},
      order: { id: 'ASC' },
      take: q.limit,
      skip: q.offset,
    });
  }

  async getDeployment(id: string) {
    return (await this.deployments.findOneBy({ id })) ?? notFound('deployment', id);
  }

  createDeployment(input: DeploymentInput) {
    return this.inventory.write(async (m) => {
      if (!(await m.existsBy(SubscriptionEntity, { id: input.subscriptionId })))
        unknownRef('subscriptionId', input.subscriptionId);
      if (await m.existsBy(DeploymentEntity, { id: input.id })) conflict('deployment', input.id);
      return { value: await m.save(m.create(DeploymentEntity, input)), changed: true };
    });
  }

  updateDeployment(id: string, patch: Patch<DeploymentInput>) {
    return this.inventory.write(async (m) => {
      const row = (await m.findOneBy(DeploymentEntity, { id })) ?? notFound('deployment', id);
      if (patch.subscriptionId && !(await m.existsBy(SubscriptionEntity, { id: patch.subscriptionId }))) {
        unknownRef('subscriptionId', patch.subscriptionId);
      }
      Object.assign(row, patch);
      return { value: await m.save(row), changed: true };
    });
  }

  deleteDeployment(id: string) {
    return this.inventory.write(async (m) => {
      if (await m.existsBy(VmEntity, { deploymentId: id })) {
        throw new DomainException(ErrorCode.CONFLICT, `deployment ${id} still has VMs`);
      }
      const r = await m.delete(DeploymentEntity, { id });
      if (!r.affected) notFound('deployment', id);
      return { value: undefined, changed: true };
    });
  }

  listVms(q: ListQuery) {
    return this.vms.find({
      where: q.deploymentId ? { deploymentId: q.deploymentId } : {},
      order: { id: 'ASC' },
      take: q.limit,
      skip: q.offset,
    });
  }

  async getVm(id: string) {
    const vm = (await this.vms.findOneBy({ id })) ?? notFound('vm', id);
    const addresses = await this.vmAddresses.find({ where: { vmId: id }, order: { id: 'ASC' } });
    return { ...vm, addresses: addresses.map(addressView) };
  }

  createVm(input: VmInput) {
    return this.inventory
      .write(async (m) => {
        if (!(await m.existsBy(DeploymentEntity, { id: input.deploymentId })))
          unknownRef('deploymentId', input.deploymentId);
        if (await m.existsBy(VmEntity, { id: input.id })) conflict('vm', input.id);
        const flat = flattenAddresses([input], (_i, j) => `addresses[${j}]`);
        await this.inventory.checkAddressConflicts(m, flat);
        const { addresses, ...vm } = input;
        await m.save(m.create(VmEntity, vm));
        await m.save(addresses.map((a) => m.create(VmAddressEntity, toAddressRow(input.id, a))));
        return { value: undefined, changed: true };
      })
      .then(() => this.getVm(input.id));
  }

  updateVm(id: string, patch: Patch<Omit<VmInput, 'addresses'>>) {
    return this.inventory
      .write(async (m) => {
        const row = (await m.findOneBy(VmEntity, { id })) ?? notFound('vm', id);
        if (patch.deploymentId && !(await m.existsBy(DeploymentEntity, { id: patch.deploymentId }))) {
          unknownRef('deploymentId', patch.deploymentId);
        }
        Object.assign(row, patch);
        await m.save(row);
        return { value: undefined, changed: true };
      })
      .then(() => this.getVm(id));
  }

  deleteVm(id: string) {
    return this.inventory.write(async (m) => {
      const r = await m.delete(VmEntity, { id });
      if (!r.affected) notFound('vm', id);
      return { value: undefined, changed: true };
    });
  }

  addAddress(vmId: string, input: AddressInput) {
    return this.inventory.write(async (m) => {
      if (!(await m.existsBy(VmEntity, { id: vmId }))) notFound('vm', vmId);
      await this.inventory.checkAddressConflicts(
        m,
        flattenAddresses([{ id: vmId, addresses: [input] }], () => 'ip'),
      );
      const row = await m.save(m.create(VmAddressEntity, toAddressRow(vmId, input)));
      return { value: addressView(row), changed: true };
    });
  }

  /** Ends (or reopens) an address's validity, e.g. when the cloud releases it. */
  updateAddress(vmId: string, addressId: string, to: string | null) {
    return this.inventory.write(async (m) => {
      const row = (await m.findOneBy(VmAddressEntity, { id: addressId, vmId })) ?? notFound('address', addressId);
      const from = row.validFrom?.toISOString() ?? null;
      if (to && from && Date.parse(to) <= Date.parse(from)) {
        throw DomainException.validation([{ field: 'to', message: "must be later than the address's from" }]);
      }
      await this.inventory.checkAddressConflicts(m, [{ vmId, ip: row.ip, from, to, ref: 'to' }]);
      row.validTo = to ? new Date(to) : null;
      return { value: addressView(await m.save(row)), changed: true };
    });
  }

  /**
   * Every holder of an address over time, newest first, with its VM, deployment and subscription
   * (owner contacts): the abuse desk's "who held this address?" (vm_addresses' (ip) index).
   */
  addressHistory(ip: string): Promise<AddressHolder[]> {
    return rawQuery<AddressHolder>(
      this.vmAddresses.manager,
      `SELECT a.vm_id AS "vmId", v.name AS "vmName", v.deployment_id AS "deploymentId", d.name AS "deploymentName",
              d.subscription_id AS "subscriptionId", s.name AS "subscriptionName", s.contacts,
              a.valid_from AS "from", a.valid_to AS "to"
         FROM vm_addresses a JOIN vms v ON v.id = a.vm_id JOIN deployments d ON d.id = v.deployment_id
         JOIN subscriptions s ON s.id = d.subscription_id
        WHERE a.ip = $1::inet ORDER BY a.valid_from DESC NULLS LAST, a.id DESC LIMIT 100`,
      [ip],
    );
  }

  deleteAddress(vmId: string, addressId: string) {
    return this.inventory.write(async (m) => {
      const r = await m.delete(VmAddressEntity, { id: addressId, vmId });
      if (!r.affected) notFound('address', addressId);
      return { value: undefined, changed: true };
    });
  }
}

function toAddressRow(vmId: string, a: AddressInput): Partial<VmAddressEntity> {
  return { vmId, ip: a.ip, validFrom: a.from ? new Date(a.from) : null, validTo: a.to ? new Date(a.to) : null };
}

function addressView(a: VmAddressEntity) {
  return { id: String(a.id), ip: a.ip, from: a.validFrom?.toISOString() ?? null, to: a.validTo?.toISOString() ?? null };
}

function notFound(what: string, id: string): never {
  throw DomainException.notFound(what, id);
}

function conflict(what: string, id: string): never {
  throw new DomainException(ErrorCode.CONFLICT, `${what} ${id} already exists`);
}

function unknownRef(field: string, id: string): never {
  throw DomainException.validation([{ field, message: `unknown ${field.replace(/Id$/, '')} "${id}"` }]);
}
