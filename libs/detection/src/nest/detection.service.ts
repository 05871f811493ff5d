import { unwatchFile, watchFile } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { FlowPipelineService, type FlowBatch, type FlowConsumer } from '@sg/flows';
import { InventoryIndexService } from '@sg/inventory';
import { METRICS_REGISTRY } from '@sg/ops';
import { DetectionEngine, type RecheckResult } from '../engine/detection-engine';
import type { FindingKind, FindingRole } from '../engine/finding';
import type { SuppressionRule } from '../engine/suppression-rule';
import { ThreatIntel } from '../engine/threat-intel';
import { FindingsPublisher } from './findings-publisher';

/** How often quiet VMs' windows are closed and ended incidents reported (wall clock). */
const ADVANCE_MS = 5_000;
/** How often threat-list files are checked for changes. */
const LIST_POLL_MS = 10_000;

/**
 * Detection in this process: the engine fed by the flow pipeline (attributed batches), VM
 * identities from the inventory index, threat lists from THREAT_LISTS (reloaded when a file
 * changes), approved exceptions set from outside, findings out through the publisher.
 */
@Injectable()
export class DetectionService implements FlowConsumer, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('detection');
  readonly engine: DetectionEngine;
  readonly intel: ThreatIntel;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    private readonly flows: FlowPipelineService,
    inventory: InventoryIndexService,
    private readonly publisher: FindingsPublisher,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.intel = new ThreatIntel();
    const reg = inventory.registry;
    this.engine = new DetectionEngine({
      directory: {
        describe: (slot) =>
          slot < reg.size
            ? { vmId: reg.ids[slot], deploymentId: reg.deploymentIds[slot], subscriptionId: reg.subscriptionIds[slot] }
            : undefined,
      },
      onFinding: publisher.publish,
      threatIntel: this.intel,
    });
    // One scrape reads several figures; the engine's stats() walks every VM side, so take it once.
    let snapshot = { at: 0, stats: this.engine.stats() };
    const engineStats = () => {
      if (Date.now() - snapshot.at > 1000) snapshot = { at: Date.now(), stats: this.engine.stats() };
      return snapshot.stats;
    };
    const stat = (name: string, help: string, read: () => number) =>
      new Gauge({
        name: `safeguards_detection_${name}`,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    stat('records_total', 'Records fed to detection', () => engineStats().records);
    stat('late_dropped_total', 'Records older than the lateness bound, dropped', () => engineStats().lateDropped);
    stat('findings_emitted_total', 'Finding updates emitted', () => engineStats().findingsEmitted);
    stat(
      'findings_suppressed_total',
      'Findings matched by an approved exception',
      () => engineStats().findingsSuppressed,
    );
    stat('active_incidents', 'Incidents going on now', () => engineStats().activeIncidents);
    stat('tracked_vm_sides', 'VM sides (VM x role) held in memory', () => engineStats().tracks);
    stat('findings_waiting', 'Findings waiting for the queue', () => publisher.backlog);
  }

  onModuleInit(): void {
    this.loadThreatLists();
    for (const { path } of this.cfg.THREAT_LISTS) {
      watchFile(path, { interval: LIST_POLL_MS, persistent: false }, () => this.loadThreatLists());
    }
    this.flows.pipeline.addConsumer(this);
    this.timer = setInterval(() => this.engine.advance(Date.now()), ADVANCE_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const { path } of this.cfg.THREAT_LISTS) unwatchFile(path);
    await this.publisher.flush();
  }

  consume(batch: FlowBatch): void {
    this.engine.process(batch);
  }

  /** How many approved exceptions the engine holds (for tests and the console). */
  suppressionRuleCount = 0;

  setSuppressionRules(rules: SuppressionRule[]): void {
    this.engine.setSuppressionRules(rules);
    this.suppressionRuleCount = rules.length;
  }

  recheck(vmSlot: number, role: FindingRole, kind: FindingKind, windowMs: number): RecheckResult {
    return this.engine.recheck(vmSlot, role, kind, windowMs, Date.now());
  }

  private loadThreatLists(): void {
    try {
      const stats = this.intel.setSources(this.cfg.THREAT_LISTS.map((l) => ({ category: l.category, path: l.path })));
      if (stats.length) this.logger.log({ lists: stats }, 'threat lists loaded');
    } catch (err) {
      // The previous lists stay in force: a half-written file must not empty them.
      this.logger.warn(`threat lists not reloaded: ${(err as Error).message}`);
    }
  }
}
