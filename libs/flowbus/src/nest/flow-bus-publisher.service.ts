import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { FlowPipelineService } from '@sg/flows';
import { InventoryIndexService } from '@sg/inventory';
import { METRICS_REGISTRY } from '@sg/ops';
import { FlowPublisher } from '../flow-publisher';
import { FLOW_SUBJECT_PREFIX } from '../nats-stream';
import { partitionOf } from '../partitioner';
import { busGauge, SlotPartitions } from './bus-metrics';
import { FlowBusConnection } from './flow-bus-connection';

/**
 * FLOW_BUS=nats in a collector or api process: the flow pipeline's consumer is the bus publisher
 * (no detection threads here). Records attributed before the connection is up are published once
 * it is (the JetStream client waits for it); start-up does not wait for NATS.
 */
@Injectable()
export class FlowBusPublisherService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('flowbus');
  readonly publisher: FlowPublisher;

  constructor(
    @Inject(APP_CONFIG) cfg: AppConfig,
    private readonly flows: FlowPipelineService,
    inventory: InventoryIndexService,
    private readonly connection: FlowBusConnection,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const partitions = cfg.FLOW_PARTITIONS;
    const slots = new SlotPartitions(
      (id) => partitionOf(id, partitions),
      () => inventory.registry.ids,
    );
    connection
      .open()
      .catch((err: Error) => this.logger.error(`flow bus: cannot reach NATS at ${cfg.NATS_URL}: ${err.message}`));
    this.publisher = new FlowPublisher(
      async (subject, payload, msgID) => {
        // The connection's promise is kept while it holds; a failed one is tried again here.
        const { js } = await connection.open();
        return js.publish(subject, payload, { msgID });
      },
      {
        partitions,
        subjectPrefix: FLOW_SUBJECT_PREFIX,
        partitionOfSlot: () => slots.get(),
        // Detectors keep their clock to it: one upload running ahead closes no window of another.
        watermark: () => flows.pipeline.uploads.watermark(),
        logger: this.logger,
      },
    );
    const p = this.publisher;
    const g = (name: string, help: string, read: () => number) => busGauge(registry, name, help, read);
    g('published_records_total', 'Record copies (one per VM partition) the bus acknowledged', () => p.publishedRecords);
    g('published_messages_total', 'Messages the bus acknowledged', () => p.publishedMessages);
    g('publish_errors_total', 'Publish attempts that failed (retried)', () => p.publishErrors);
    g('lost_records_total', 'Record copies given up after every retry failed', () => p.lostRecords);
    g('shed_records_total', 'Record copies shed because too many publishes awaited their ack', () => p.shedRecords);
    g('pending_messages', 'Messages awaiting the bus acknowledgement', () => p.pending);
  }

  onModuleInit(): void {
    this.connection.onClose(() => this.publisher.close());
    this.publisher.start();
    this.flows.pipeline.addConsumer(this.publisher);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}
