import { Module } from '@nestjs/common';
import { InventoryController } from './inventory.controller';
import { InventoryModule } from './inventory.module';

/** The inventory's HTTP API (api role only). */
@Module({ imports: [InventoryModule], controllers: [InventoryController] })
export class InventoryApiModule {}
