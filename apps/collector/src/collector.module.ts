import { Module } from '@nestjs/common';
import { InventoryModule } from '@sg/inventory';

/** Collector role: UDP flow listeners, attribution and the detection hot path. */
@Module({ imports: [InventoryModule] })
export class CollectorModule {}
