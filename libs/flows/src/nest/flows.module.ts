import { Module } from '@nestjs/common';
import { InventoryModule } from '@sg/inventory';
import { FlowIngestController } from './flow-ingest.controller';
import { FlowMetrics } from './flow-metrics';
import { FlowPipelineService } from './flow-pipeline.service';
import { UdpCollectorService } from './udp-collector.service';

/** The flow pipeline of this process (attribution, consumers, counters on /metrics). */
@Module({
  imports: [InventoryModule],
  providers: [FlowPipelineService, FlowMetrics],
  exports: [FlowPipelineService, FlowMetrics],
})
export class FlowsModule {}

/** HTTP ingestion of cloud flow logs (api role). */
@Module({ imports: [FlowsModule], controllers: [FlowIngestController] })
export class FlowsIngestApiModule {}

/** UDP listeners for NetFlow/IPFIX and sFlow (collector role). */
@Module({ imports: [FlowsModule], providers: [UdpCollectorService], exports: [UdpCollectorService] })
export class FlowsCollectorModule {}
