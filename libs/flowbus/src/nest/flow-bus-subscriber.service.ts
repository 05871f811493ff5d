import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Registry } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { DetectionService, FindingsPublisher, replayHorizonMs } from '@sg/detection';
import { attributeBatch, FlowPipelineService } from '@sg/flows';
import { InventoryIndexService } from '@sg/inventory';
import { METRICS_REGISTRY, ReadinessChecks } from '@sg/ops';
import { FlowSubscriber } from '../flow-subscriber';
import { ownedPartitions, partitionOf } from '../partitioner';
import { busGauge, partitionGauge, SlotPartitions } from './bus-metrics';
import { FlowBusConnection } from './flow-bus-connection';

const RETRY_MS = 2_000;
const BARRIER_RETRY_MS = 500;

/**
 * The detector role: reads the partitions it owns (DETECTOR_INDEX of DETECTOR_COUNT: p mod count
 * = index), attributes every record again against this process's inventory, and feeds detection,
 * which analyses only the VM ends of each record that belong to the message's partition
 * (DetectionService.setOwnership). Messages are acknowledged once detection absorbed them and
 * their findings are on the queue. /readyz says "replaying" until every partition caught up.
 */
@Injectable()
export class FlowBusSubscriberService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('flowbus');
  private readonly partitions: number[];
  private subscriber: FlowSubscriber | null = null;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private lastError = '';

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    private readonly detection: DetectionService,
    private readonly findings: FindingsPublisher,
    private readonly flows: FlowPipelineService,
    private readonly inventory: InventoryIndexService,
    private readonly connection: FlowBusConnection,
    readiness: ReadinessChecks,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.partitions = ownedPartitions(cfg.DETECTOR_INDEX, cfg.DETECTOR_COUNT, cfg.FLOW_PARTITIONS);
    readiness.register('flowbus', () => {
      const sub = this.subscriber;
      const states = sub ? [...sub.states.values()] : [];
      const replaying = states.filter((s) => !s.caughtUp);
      return {
        ready: !!sub?.ready,
        details: {
          state: sub?.ready
            ? 'caught up'
            : sub
              ? 'replaying'
              : `connecting${this.lastError ? `: ${this.lastError}` : ''}`,
          detector: `${cfg.DETECTOR_INDEX} of ${cfg.DETECTOR_COUNT}`,
          partitions: this.partitions.length,
          replaying: replaying.length,
          messagesBehind: replaying.reduce((a, s) => a + s.behind, 0),
        },
      };
    });
    const states = () => (this.subscriber ? [...this.subscriber.states.values()] : []);
    partitionGauge(registry, 'consumer_lag_messages', 'Messages of an owned partition not delivered yet', () =>
      states().map((s) => [s.partition, s.behind]),
    );
    partitionGauge(
      registry,
      'replay_behind_messages',
      'Messages an owned partition still replays (0 once caught up)',
      () => states().map((s) => [s.partition, s.caughtUp ? 0 : s.behind]),
    );
    partitionGauge(registry, 'replay_done', '1 once an owned partition caught up after start', () =>
      states().map((s) => [s.partition, s.caughtUp ? 1 : 0]),
    );
    partitionGauge(registry, 'consumed_records_total', 'Records read from an owned partition', () =>
      states().map((s) => [s.partition, s.records]),
    );
    busGauge(registry, 'malformed_messages_total', 'Messages that could not be decoded (terminated)', () =>
      this.subscriber ? this.subscriber.malformed : 0,
    );
    busGauge(
      registry,
      'redelivered_skipped_total',
      'Messages delivered again after detection had them (skipped)',
      () => (this.subscriber ? this.subscriber.duplicates : 0),
    );
    busGauge(registry, 'ready', '1 once every owned partition caught up after start', () =>
      this.subscriber?.ready ? 1 : 0,
    );
  }

  onApplicationBootstrap(): void {
    if (this.cfg.FLOW_BUS !== 'nats') throw new Error('the detector role needs FLOW_BUS=nats (and NATS_URL)');
    const P = this.cfg.FLOW_PARTITIONS;
    const slots = new SlotPartitions(
      (id) => partitionOf(id, P),
      () => this.inventory.registry.ids,
    );
    const count = this.cfg.DETECTOR_COUNT;
    const index = this.cfg.DETECTOR_INDEX;
    this.detection.setOwnership({
      partitionsOfSlots: (ids) => slots.of(ids),
      partitionOf: (id) => partitionOf(id, P),
      owns: (p) => p % count === index,
      caughtUp: (p) => this.subscriber?.states.get(p)?.caughtUp ?? false,
    });
    // In the background: a NATS server that is not up yet must not stop start-up (/readyz says so).
    this.starting = this.start();
  }

  /** Before detection's threads close (their shutdown hook runs later): the last absorbed messages are acked. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.subscriber?.stop();
  }

  private async start(): Promise<void> {
    while (!this.stopped) {
      try {
        const { js, jsm } = await this.connection.open();
        const sub = new FlowSubscriber(js, jsm, {
          partitions: this.partitions,
          horizonMs: replayHorizonMs(),
          handle: (batch) => {
            attributeBatch(batch, this.inventory.index, this.inventory.internal, this.flows.pipeline.counts);
            this.detection.consume(batch);
          },
          room: () => this.detection.room(),
          idle: (p, boundMs) => this.detection.partitionIdle(p, boundMs),
          barrier: () => this.absorbed(),
          logger: this.logger,
        });
        this.subscriber = sub;
        try {
          await sub.start();
        } catch (err) {
          this.subscriber = null;
          await sub.stop().catch(() => undefined);
          throw err;
        }
        return;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.logger.warn(`flow bus: detector not started (${this.lastError}); retrying`);
        await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      }
    }
  }

  /** Detection analysed everything handed so far and its findings are on the queue. */
  private async absorbed(): Promise<void> {
    await this.detection.drain();
    for (;;) {
      await this.findings.flush();
      if (this.findings.backlog === 0) return;
      if (this.stopped) throw new Error('shutting down with findings not queued');
      await new Promise((r) => setTimeout(r, BARRIER_RETRY_MS).unref());
    }
  }
}
