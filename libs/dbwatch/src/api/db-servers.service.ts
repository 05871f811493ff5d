import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainException, ErrorCode } from '@sg/common';
import { InventoryQueryService } from '@sg/inventory';
import { DbServerPolicyEntity } from '../servers/db-server-policy.entity';
import { DbServerEntity } from '../servers/db-server.entity';
import { LoginEventRepository } from '../analysis/login-event.repository';
import type { PolicyInput, ServerInput, ServerPatch } from './dbwatch.schemas';

const DEFAULT_POLICY = {
  enabled: true,
  recipients: [] as string[],
  notifySubscriptionContacts: true,
  disabledAlertTypes: [] as string[],
  minSeverity: 'low' as const,
};

/** Managed servers and their threat-protection policies (CRUD for the API). */
@Injectable()
export class DbServersService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly inventory: InventoryQueryService,
    private readonly events: LoginEventRepository,
  ) {}

  list(q: { subscriptionId?: string; limit: number; offset: number }): Promise<DbServerEntity[]> {
    return this.ds.getRepository(DbServerEntity).find({
      where: q.subscriptionId ? { subscriptionId: q.subscriptionId } : {},
      order: { id: 'ASC' },
      take: q.limit,
      skip: q.offset,
    });
  }

  async get(id: string): Promise<DbServerEntity> {
    const s = await this.ds.getRepository(DbServerEntity).findOneBy({ id });
    if (!s) throw DomainException.notFound('database server', id);
    return s;
  }

  create(input: ServerInput): Promise<DbServerEntity> {
    return this.ds.transaction(async (m) => {
      await this.requireSubscription(input.subscriptionId);
      const repo = m.getRepository(DbServerEntity);
      if (await repo.existsBy({ id: input.id }))
        throw new DomainException(ErrorCode.CONFLICT, `database server ${input.id} exists`, [
          { field: 'id', message: 'already exists' },
        ]);
      await repo.insert({ ...input, host: input.host ?? null, logLinePrefix: input.logLinePrefix ?? null });
      return repo.findOneByOrFail({ id: input.id });
    });
  }

  update(id: string, patch: ServerPatch): Promise<DbServerEntity> {
    return this.ds.transaction(async (m) => {
      const repo = m.getRepository(DbServerEntity);
      if (!(await repo.existsBy({ id }))) throw DomainException.notFound('database server', id);
      if (patch.subscriptionId) await this.requireSubscription(patch.subscriptionId);
      if (Object.keys(patch).length) await repo.update({ id }, patch);
      return repo.findOneByOrFail({ id });
    });
  }

  /** Removes a server with its policy, alerts and baselines (foreign keys) and its login events. */
  async remove(id: string): Promise<void> {
    const r = await this.ds.getRepository(DbServerEntity).delete({ id });
    if (!r.affected) throw DomainException.notFound('database server', id);
    await this.events.deleteServer(id);
  }

  async getPolicy(id: string) {
    await this.get(id);
    const p = await this.ds.getRepository(DbServerPolicyEntity).findOneBy({ serverId: id });
    return p ? this.policyView(p) : { serverId: id, ...DEFAULT_POLICY, updatedAt: null };
  }

  async putPolicy(id: string, input: PolicyInput) {
    await this.get(id);
    const repo = this.ds.getRepository(DbServerPolicyEntity);
    await repo.upsert({ serverId: id, ...input, recipients: input.recipients.map((a) => a.toLowerCase()) }, [
      'serverId',
    ]);
    return this.policyView(await repo.findOneByOrFail({ serverId: id }));
  }

  private policyView(p: DbServerPolicyEntity) {
    return {
      serverId: p.serverId,
      enabled: p.enabled,
      recipients: p.recipients,
      notifySubscriptionContacts: p.notifySubscriptionContacts,
      disabledAlertTypes: p.disabledAlertTypes,
      minSeverity: p.minSeverity,
      updatedAt: p.updatedAt,
    };
  }

  private async requireSubscription(subscriptionId: string): Promise<void> {
    if ((await this.inventory.subscriptionContacts(subscriptionId)) === null)
      throw DomainException.validation([{ field: 'subscriptionId', message: 'no such subscription' }]);
  }
}
