import { Module } from '@nestjs/common';
import { FlowsCollectorModule } from '@sg/flows';

/** Collector role: UDP flow listeners, attribution and the detection hot path. */
@Module({ imports: [FlowsCollectorModule] })
export class CollectorModule {}
