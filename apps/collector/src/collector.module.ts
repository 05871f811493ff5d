import { Module } from '@nestjs/common';
import { DetectionModule } from '@sg/detection';
import { FlowsCollectorModule } from '@sg/flows';

/** Collector role: UDP flow listeners, attribution and the detection hot path. */
@Module({ imports: [FlowsCollectorModule, DetectionModule] })
export class CollectorModule {}
