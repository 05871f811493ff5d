import { Module } from '@nestjs/common';
import { FlowsModule } from '@sg/flows';
import { InventoryModule } from '@sg/inventory';
import { DetectionService } from './detection.service';
import { FindingsPublisher } from './findings-publisher';

/** Detection on this process's flow pipeline, publishing to the "findings" queue. */
@Module({
  imports: [FlowsModule, InventoryModule],
  providers: [DetectionService, FindingsPublisher],
  exports: [DetectionService, FindingsPublisher],
})
export class DetectionModule {}
