import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeploymentEntity } from './deployment.entity';
import { InventoryCrudService } from './inventory-crud.service';
import { InventoryIndexService } from './inventory-index.service';
import { InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';
import { SubscriptionEntity } from './subscription.entity';
import { VmAddressEntity } from './vm-address.entity';
import { VmEntity } from './vm.entity';

const ENTITIES = [SubscriptionEntity, DeploymentEntity, VmEntity, VmAddressEntity];

/** The inventory data and its in-memory address index, for every role that attributes flows. */
@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES)],
  providers: [InventoryRepository, InventoryIndexService, InventoryService, InventoryCrudService],
  exports: [InventoryIndexService, InventoryService, InventoryCrudService],
})
export class InventoryModule {}
