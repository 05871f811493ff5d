import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { DeploymentActionEntity, type DeploymentActionStatus } from './deployment-action.entity';
import type { DeploymentActionKind } from './deployment-control.provider';

export interface NewDeploymentAction {
  caseId: string;
  action: DeploymentActionKind;
  seq: number;
  deploymentId: string;
  vmIds: string[];
  idempotencyKey: string;
  body: string;
  requestedAt: Date;
  requestedBy: string;
}

/** deployment_actions. */
@Injectable()
export class DeploymentActionRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Inserts once per (case, action, seq); a repeated call returns the row already stored. */
  async insertOnce(m: EntityManager, a: NewDeploymentAction): Promise<DeploymentActionEntity> {
    await m.query(
      `INSERT INTO deployment_actions
         (case_id, action, seq, deployment_id, vm_ids, idempotency_key, body, requested_at, requested_by, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')
       ON CONFLICT (case_id, action, seq) DO NOTHING`,
      [a.caseId, a.action, a.seq, a.deploymentId, a.vmIds, a.idempotencyKey, a.body, a.requestedAt, a.requestedBy],
    );
    return m.findOneOrFail(DeploymentActionEntity, { where: { caseId: a.caseId, action: a.action, seq: a.seq } });
  }

  find(id: string, m: EntityManager = this.ds.manager): Promise<DeploymentActionEntity | null> {
    return m.findOne(DeploymentActionEntity, { where: { id } });
  }

  async recordAttempt(m: EntityManager, id: string, provider: string): Promise<void> {
    await m.update(DeploymentActionEntity, id, {
      attempts: () => 'attempts + 1',
      lastAttemptAt: new Date(),
      provider,
    });
  }

  async recordAnswer(id: string, status: number | null, error: string | null): Promise<void> {
    await this.ds.manager.update(DeploymentActionEntity, id, { lastStatusCode: status, lastError: error });
  }

  async settle(
    m: EntityManager,
    id: string,
    status: Exclude<DeploymentActionStatus, 'pending'>,
    code: number | null,
    error: string | null,
  ): Promise<void> {
    await m.update(DeploymentActionEntity, id, {
      status,
      lastStatusCode: code,
      lastError: error,
      completedAt: new Date(),
    });
  }

  listForCase(caseId: string): Promise<DeploymentActionEntity[]> {
    return this.ds.manager.find(DeploymentActionEntity, { where: { caseId }, order: { requestedAt: 'ASC' } });
  }
}
