import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@sg/common';
import { DbwatchAnalysisModule, DbwatchFollowModule } from '@sg/dbwatch';
import { flowDetectionFor } from '@sg/flowbus';
import { FlowsCollectorModule } from '@sg/flows';

/**
 * Collector role: UDP flow listeners, attribution and the detection hot path (FLOW_BUS=memory) or
 * the publisher to the detectors (nats); database logs followed (DBWATCH_FOLLOW) and analysed.
 */
@Module({ imports: [FlowsCollectorModule, DbwatchFollowModule, DbwatchAnalysisModule] })
export class CollectorModule {
  static forBus(bus: AppConfig['FLOW_BUS']): DynamicModule {
    return { module: CollectorModule, imports: [flowDetectionFor(bus)] };
  }
}
