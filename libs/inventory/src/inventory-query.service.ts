import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InventoryRepository } from './inventory.repository';

/** Who owns a VM, as a notice to its owner needs it: names for the text, contacts to write to. */
export interface OwnerContacts {
  vmName: string;
  deploymentName: string;
  subscriptionName: string;
  /** The subscription's contacts; empty when it is unknown or has none. */
  contacts: string[];
}

/**
 * Reads of the inventory for other domains (mail notices, deployment control), so none of them
 * runs its own SQL on inventory's tables. No address index here: cheap to load in any role.
 */
@Injectable()
export class InventoryQueryService {
  constructor(private readonly repo: InventoryRepository) {}

  /** The owner of a VM by the ids a finding or case carries; an unknown name falls back to its id. */
  async owner(ref: { vmId: string; deploymentId: string; subscriptionId: string }): Promise<OwnerContacts> {
    const r = await this.repo.ownerNames(ref);
    return {
      vmName: r.vm ?? ref.vmId,
      deploymentName: r.dep ?? ref.deploymentId,
      subscriptionName: r.sub ?? ref.subscriptionId,
      contacts: r.contacts ?? [],
    };
  }

  /** A subscription's contacts (dbwatch's alert mail); null when there is no such subscription. */
  async subscriptionContacts(subscriptionId: string): Promise<string[] | null> {
    const r = await this.repo.ownerNames({ vmId: '', deploymentId: '', subscriptionId });
    return r.sub === null ? null : (r.contacts ?? []);
  }

  /** A deployment's VMs (ids, sorted); `m` reads inside the caller's transaction. */
  vmIdsOfDeployment(deploymentId: string, m?: EntityManager): Promise<string[]> {
    return this.repo.vmIdsOfDeployment(deploymentId, m);
  }
}
