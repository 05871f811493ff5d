import { unwatchFile, watchFile } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { FlowPipelineService, type FlowBatch, type FlowConsumer } from '@sg/flows';
import { InventoryIndexService } from '@sg/inventory';
import { METRICS_REGISTRY } from '@sg/ops';
import type { DetectionEngineStats, RecheckResult } from '../engine/detection-engine';
import { DetectionThread } from '../threaded/detection-thread';
import type { FindingKind, FindingRole } from '@sg/queues/finding-vocabulary';
import type { SuppressionRule } from '../engine/suppression-rule';
import { FindingsPublisher } from './findings-publisher';

/** How often threat-list files are checked for changes. */
const LIST_POLL_MS = 10_000;

/**
 * Which VMs a detector process (FLOW_BUS=nats) analyses: set by the flow-bus subscriber before
 * the first batch. Partitions are of VM ids, so every process agrees whatever its slot numbers.
 */
export interface DetectionOwnership {
  /** The bus partition of each VM id, in slot order (computed once per inventory version). */
  partitionsOfSlots(vmIds: readonly string[]): Int16Array;
  partitionOf(vmId: string): number;
  /** Whether this process owns the partition. */
  owns(partition: number): boolean;
  /** Whether the partition has replayed its windows (a re-check answered earlier would judge half a window). */
  caughtUp(partition: number): boolean;
}

/**
 * Detection in this process: the engine runs on its own thread (DetectionThread), fed by the flow
 * pipeline's attributed batches through shared memory, so receiving datagrams never waits for it.
 * VM identities come from the inventory (sent to the thread whenever the inventory changes, ahead
 * of the first batch attributed against it), threat lists from THREAT_LISTS (reloaded when a file
 * changes), approved exceptions from outside; findings come back here and go out through the
 * publisher.
 */
@Injectable()
export class DetectionService implements FlowConsumer, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('detection');
  /** The detection threads: DETECTION_THREADS of them, each keeping the VMs with slot % n === its index. */
  readonly threads: DetectionThread[];
  private sentDirectory = { size: -1, version: -1 };
  /** Set in a detector process (FLOW_BUS=nats); null: this process analyses every VM it is given. */
  ownership: DetectionOwnership | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    private readonly flows: FlowPipelineService,
    private readonly inventory: InventoryIndexService,
    private readonly publisher: FindingsPublisher,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const count = cfg.DETECTION_THREADS;
    this.threads = Array.from(
      { length: count },
      (_, index) =>
        new DetectionThread({
          onFinding: publisher.publish,
          queueRecords: cfg.DETECTION_QUEUE_RECORDS,
          // How often quiet VMs' windows are closed and ended incidents reported (wall clock).
          advanceMs: cfg.DETECTION_TICK,
          partition: { index, count },
          logger: {
            log: (m) => this.logger.log(m),
            warn: (m) => this.logger.warn(m),
            error: (m) => this.logger.error(m),
          },
        }),
    );
    const threads = this.threads;
    const sum = (read: (t: DetectionThread) => number) => () => threads.reduce((a, t) => a + read(t), 0);
    const stat = (name: string, help: string, read: () => number) =>
      new Gauge({
        name: `safeguards_detection_${name}`,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    const engineFigures: [string, string, keyof DetectionEngineStats][] = [
      ['records_total', 'Records fed to detection', 'records'],
      ['late_dropped_total', 'Records older than the lateness bound, dropped', 'lateDropped'],
      ['late_accepted_total', 'Records behind their VM side\'s minute but within the lateness bound', 'lateAccepted'],
      ['held_for_inputs_total', 'Record ends held until every upload or bus partition reached their minute', 'heldForInputs'],
      ['hold_forced_total', 'Times the hold for slower inputs was full and let everything go on', 'holdForced'],
      ['findings_emitted_total', 'Finding updates emitted', 'findingsEmitted'],
      ['findings_suppressed_total', 'Findings matched by an approved exception', 'findingsSuppressed'],
      ['active_incidents', 'Incidents going on now', 'activeIncidents'],
      ['tracked_vm_sides', 'VM sides (VM x role) held in memory', 'tracks'],
    ];
    // Each thread sends its engine's counters every second; a scrape adds up the latest.
    for (const [name, help, key] of engineFigures)
      stat(
        name,
        help,
        sum((t) => t.latestStats?.[key] ?? 0),
      );
    stat('findings_waiting', 'Findings waiting for the queue', () => publisher.backlog);
    stat(
      'queued_records_capacity',
      'Records the queues to the detection threads hold',
      sum((t) => t.queueCapacity),
    );
    stat(
      'queued_slots',
      'Batches handed to the detection threads and not processed yet',
      sum((t) => t.queuedSlots),
    );
    stat(
      'shed_records_total',
      'Attributed records not analysed because a detection queue was full',
      sum((t) => t.shed),
    );
    stat(
      'thread_restarts_total',
      'Times a detection thread died and was started again',
      sum((t) => t.restarts),
    );
    stat(
      'batch_errors_total',
      'Batches the detection engine failed on',
      sum((t) => t.errors),
    );
    let elu = threads.map((t) => t.utilization());
    stat('thread_utilization', 'Share of time the busiest detection thread was busy since the last scrape', () => {
      let busiest = 0;
      threads.forEach((t, i) => {
        const u = t.utilization(elu[i]);
        // After a restart the mark belongs to the previous thread: the first figure is clamped.
        busiest = Math.max(busiest, Math.min(1, Math.max(0, u)));
      });
      elu = threads.map((t) => t.utilization());
      return busiest;
    });
  }

  async onModuleInit(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.start()));
    this.syncDirectory();
    await this.loadThreatLists();
    for (const { path } of this.cfg.THREAT_LISTS) {
      watchFile(path, { interval: LIST_POLL_MS, persistent: false }, () => void this.loadThreatLists());
    }
    // With the bus the flows reach this service from the subscriber, not from the local pipeline.
    if (this.cfg.FLOW_BUS === 'memory') this.flows.pipeline.addConsumer(this);
  }

  /** Makes this process a detector of the owned bus partitions (before the first batch from the bus). */
  setOwnership(o: DetectionOwnership): void {
    this.ownership = o;
    this.sentDirectory = { size: -1, version: -1 };
    this.syncDirectory();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const { path } of this.cfg.THREAT_LISTS) unwatchFile(path);
    // Batches still queued are analysed and their findings handed on before the queue is flushed.
    await Promise.all(
      this.threads.map((t) => t.close().catch((err: Error) => this.logger.warn(`detection thread: ${err.message}`))),
    );
    await this.publisher.flush();
  }

  consume(batch: FlowBatch): void {
    this.syncDirectory();
    for (const t of this.threads) t.consume(batch);
  }

  /** A flow-bus partition has nothing to deliver for now: its detection clock catches up (DetectionEngine.partitionIdle). */
  partitionIdle(partition: number, boundMs: number): void {
    for (const t of this.threads) t.partitionIdle(partition, boundMs);
  }

  room(): Promise<void> | undefined {
    const waits = this.threads.map((t) => t.room()).filter((w) => w !== undefined);
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  }

  /** Resolves when every batch handed over so far is analysed and its findings are with the publisher. */
  async drain(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.drain()));
  }

  /** The thread that keeps the VM in `vmSlot`. */
  threadFor(vmSlot: number): DetectionThread {
    return this.threads[vmSlot % this.threads.length];
  }

  /** How many approved exceptions the engine holds (for tests and the console). */
  suppressionRuleCount = 0;

  setSuppressionRules(rules: SuppressionRule[]): void {
    for (const t of this.threads) t.setSuppressionRules(rules);
    this.suppressionRuleCount = rules.length;
  }

  recheck(vmSlot: number, role: FindingRole, kind: FindingKind, windowMs: number): Promise<RecheckResult> {
    return this.threadFor(vmSlot).recheck(vmSlot, role, kind, windowMs, Date.now());
  }

  /** The thread names VMs in findings from a copy of the registry, refreshed before batches that may need it. */
  private syncDirectory(): void {
    const reg = this.inventory.registry;
    const version = this.inventory.version;
    if (reg.size === this.sentDirectory.size && version === this.sentDirectory.version) return;
    this.sentDirectory = { size: reg.size, version };
    const directory = {
      ids: reg.ids,
      deploymentIds: reg.deploymentIds,
      subscriptionIds: reg.subscriptionIds,
      busPartitions: this.ownership?.partitionsOfSlots(reg.ids),
    };
    for (const t of this.threads) t.setDirectory(directory);
  }

  private async loadThreatLists(): Promise<void> {
    if (this.cfg.THREAT_LISTS.length === 0) return;
    try {
      const sources = this.cfg.THREAT_LISTS.map((l) => ({ category: l.category, path: l.path }));
      const [stats] = await Promise.all(this.threads.map((t) => t.setThreatLists(sources)));
      this.logger.log({ lists: stats }, 'threat lists loaded');
    } catch (err) {
      // The previous lists stay in force: a half-written file must not empty them.
      this.logger.warn(`threat lists not reloaded: ${(err as Error).message}`);
    }
  }
}
