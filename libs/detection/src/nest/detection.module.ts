import { Module } from '@nestjs/common';
import { SuppressionRulesModule } from '@sg/cases';
import { FlowsModule } from '@sg/flows';
import { InventoryModule } from '@sg/inventory';
import { DetectionService } from './detection.service';
import { FindingsPublisher } from './findings-publisher';
import { SuppressionSyncService } from './suppression-sync.service';

/** Detection on this process's flow pipeline, publishing to the "findings" queue, with approved exceptions kept in sync. */
@Module({
  imports: [FlowsModule, InventoryModule, SuppressionRulesModule],
  providers: [DetectionService, FindingsPublisher, SuppressionSyncService],
  exports: [DetectionService, FindingsPublisher],
})
export class DetectionModule {}
