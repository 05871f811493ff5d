import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InventoryQueryService } from './inventory-query.service';
import { InventoryRepository } from './inventory.repository';
import { VmEntity } from './vm.entity';

/** Inventory reads for other domains, without the in-memory address index (see InventoryModule). */
@Module({
  imports: [TypeOrmModule.forFeature([VmEntity])],
  providers: [InventoryRepository, InventoryQueryService],
  exports: [InventoryQueryService],
})
export class InventoryQueryModule {}
