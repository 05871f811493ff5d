import { Module, type Type } from '@nestjs/common';
import type { AppConfig } from '@sg/common';
import { DetectionModule } from '@sg/detection';
import { FlowsModule } from '@sg/flows';
import { InventoryModule } from '@sg/inventory';
import { FlowBusConnection } from './flow-bus-connection';
import { FlowBusPublisherService } from './flow-bus-publisher.service';
import { FlowBusSubscriberService } from './flow-bus-subscriber.service';

/** The NATS connection, shared by the publisher and the subscriber of one process. */
@Module({ providers: [FlowBusConnection], exports: [FlowBusConnection] })
export class FlowBusConnectionModule {}

/** Collector and api roles with FLOW_BUS=nats: attributed flows go to the bus instead of local detection. */
@Module({ imports: [FlowsModule, InventoryModule, FlowBusConnectionModule], providers: [FlowBusPublisherService] })
export class FlowBusPublisherModule {}

/** The detector role: its partitions of the bus, attributed here again and fed to detection. */
@Module({
  imports: [DetectionModule, FlowsModule, InventoryModule, FlowBusConnectionModule],
  providers: [FlowBusSubscriberService],
})
export class FlowBusDetectorModule {}

/**
 * What takes the attributed flows of a receiving role (collector UDP, api uploads): detection in
 * this process (`memory`, the default) or the publisher to the detectors (`nats`).
 */
export function flowDetectionFor(bus: AppConfig['FLOW_BUS']): Type {
  return bus === 'nats' ? FlowBusPublisherModule : DetectionModule;
}
