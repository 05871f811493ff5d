import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InventoryQueryService } from '@sg/inventory';
import type { DeploymentActionEntity } from './deployment-action.entity';
import { DeploymentActionRepository } from './deployment-action.repository';
import {
  DEPLOYMENT_CONTROL_PROVIDER,
  type DeploymentActionKind,
  type DeploymentControlProvider,
  type DeploymentControlResult,
} from './deployment-control.provider';

export interface PrepareAction {
  caseId: string;
  action: DeploymentActionKind;
  /** The case's shutdown (or restart) number: part of the key, so each real request has its own. */
  seq: number;
  deploymentId: string;
  /** Used when the inventory knows no VM of the deployment (the request must name at least one). */
  fallbackVmIds: string[];
  requestedBy: string;
  requestedAt?: Date;
}

/**
 * Shutdown and restart requests: stored first (prepare, inside the caller's transaction), then
 * delivered (send) as many times as it takes, always with the same key and bytes.
 */
@Injectable()
export class DeploymentActionsService {
  constructor(
    private readonly repo: DeploymentActionRepository,
    private readonly inventory: InventoryQueryService,
    @Inject(DEPLOYMENT_CONTROL_PROVIDER) private readonly provider: DeploymentControlProvider,
  ) {}

  get providerName(): string {
    return this.provider.name;
  }

  /** Stores the request with its Idempotency-Key. Idempotent per (case, action, seq). */
  async prepare(m: EntityManager, p: PrepareAction): Promise<DeploymentActionEntity> {
    // The request names every VM of the deployment (inventory's, read in this transaction).
    const found = await this.inventory.vmIdsOfDeployment(p.deploymentId, m);
    const vmIds = found.length ? found : [...p.fallbackVmIds].sort();
    const requestedAt = p.requestedAt ?? new Date();
    const body = JSON.stringify({
      action: p.action,
      deploymentId: p.deploymentId,
      vmIds,
      caseId: p.caseId,
      requestedAt: requestedAt.toISOString(),
    });
    return this.repo.insertOnce(m, {
      caseId: p.caseId,
      action: p.action,
      seq: p.seq,
      deploymentId: p.deploymentId,
      vmIds,
      idempotencyKey: `sg-${p.action}-${p.caseId}-${p.seq}`,
      body,
      requestedAt,
      requestedBy: p.requestedBy,
    });
  }

  find(id: string, m?: EntityManager): Promise<DeploymentActionEntity | null> {
    return this.repo.find(id, m);
  }

  listForCase(caseId: string): Promise<DeploymentActionEntity[]> {
    return this.repo.listForCase(caseId);
  }

  /** Marks that a request is about to go out: from here on it can no longer be cancelled. */
  beginAttempt(m: EntityManager, id: string): Promise<void> {
    return this.repo.recordAttempt(m, id, this.provider.name);
  }

  /** Calls the control plane with the stored key and body, and records what it answered. */
  async send(action: DeploymentActionEntity): Promise<DeploymentControlResult> {
    const result = await this.provider.send({
      action: action.action,
      idempotencyKey: action.idempotencyKey,
      body: action.body,
    });
    await this.repo.recordAnswer(action.id, result.status, result.outcome === 'done' ? null : result.error);
    return result;
  }

  succeed(m: EntityManager, id: string, status: number): Promise<void> {
    return this.repo.settle(m, id, 'succeeded', status, null);
  }

  fail(m: EntityManager, id: string, status: number | null, error: string): Promise<void> {
    return this.repo.settle(m, id, 'failed', status, error);
  }

  cancel(m: EntityManager, id: string, why: string): Promise<void> {
    return this.repo.settle(m, id, 'cancelled', null, why);
  }
}
