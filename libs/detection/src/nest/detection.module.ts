import { Module } from '@nestjs/common';
import { FlowsModule } from '@sg/flows';
import { InventoryModule } from '@sg/inventory';
import { SuppressionRulesModule } from '@sg/suppression';
import { DetectionService } from './detection.service';
import { FindingsPublisher } from './findings-publisher';
import { LiveRecheckResponder } from './live-recheck-responder';
import { SuppressionSyncService } from './suppression-sync.service';

/**
 * Detection on this process's flow pipeline, publishing to the "findings" queue, with approved
 * exceptions kept in sync and the worker's live re-checks answered from the engine's state.
 */
@Module({
  imports: [FlowsModule, InventoryModule, SuppressionRulesModule],
  providers: [DetectionService, FindingsPublisher, SuppressionSyncService, LiveRecheckResponder],
  exports: [DetectionService, FindingsPublisher],
})
export class DetectionModule {}
