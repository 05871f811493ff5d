import { InventoryQueryService } from './inventory-query.service';
import type { InventoryRepository } from './inventory.repository';

const ref = { vmId: 'vm-1', deploymentId: 'dep-1', subscriptionId: 'sub-1' };
const service = (row: Awaited<ReturnType<InventoryRepository['ownerNames']>>) =>
  new InventoryQueryService({ ownerNames: async () => row } as unknown as InventoryRepository);

describe('InventoryQueryService.owner', () => {
  it('gives the names and contacts the inventory holds', async () => {
    const owner = await service({ vm: 'web-1', dep: 'shop', sub: 'Acme', contacts: ['ops@acme.test'] }).owner(ref);
    expect(owner).toEqual({
      vmName: 'web-1',
      deploymentName: 'shop',
      subscriptionName: 'Acme',
      contacts: ['ops@acme.test'],
    });
  });

  it('falls back to the ids, and nobody to write to, for what the inventory does not know', async () => {
    const owner = await service({ vm: null, dep: null, sub: null, contacts: null }).owner(ref);
    expect(owner).toEqual({ vmName: 'vm-1', deploymentName: 'dep-1', subscriptionName: 'sub-1', contacts: [] });
  });
});
