import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import type { LoginEvent, LoginEventConsumer } from '../events/login-event';
import { AlertRecorder } from './alert-recorder.service';
import { BaselineRepository } from './baseline.repository';
import { IpEnrichment } from './ip-enrichment';
import { LoginDetector, type AlertHit } from './login-detector';
import { LoginEventRepository } from './login-event.repository';
import { ServerDirectory } from './server-directory';

/** Builds the detector with the process's enrichment, threat lists and thresholds. */
export abstract class DetectorFactory {
  abstract create(sink: { onAlert(hit: AlertHit): void }): LoginDetector;
}

/** Events further in the future than this (a wrong clock) are not stored. */
const FUTURE_MS = 86_400_000;

/**
 * The analysis side of LOGIN_EVENT_CONSUMER: stores each batch (skipping lines a follower already
 * delivered), runs the new events through the detectors in event time, writes the baselines back
 * and records the alerts. Each process keeps its own baselines in memory (loaded once per server);
 * an anomaly is dropped when another process already stored the value as seen. Events older than the baseline window are neither stored nor analysed.
 */
@Injectable()
export class LoginEventAnalysisConsumer implements LoginEventConsumer {
  private readonly logger = new Logger(LoginEventAnalysisConsumer.name);
  private readonly loaded = new Map<string, Promise<void>>();
  private collecting: AlertHit[] | null = null;
  readonly detector: LoginDetector;

  constructor(
    private readonly servers: ServerDirectory,
    private readonly events: LoginEventRepository,
    private readonly baselines: BaselineRepository,
    private readonly recorder: AlertRecorder,
    private readonly enrichment: IpEnrichment,
    detectorFactory: DetectorFactory,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {
    this.detector = detectorFactory.create({ onAlert: (hit) => this.collecting?.push(hit) });
  }

  async consume(
    serverId: string,
    source: string,
    events: readonly LoginEvent[],
    offsets: readonly number[],
  ): Promise<void> {
    if (events.length === 0) return;
    const server = await this.servers.get(serverId);
    if (!server) {
      this.logger.warn({ serverId, events: events.length }, 'login events of an unknown server dropped');
      return;
    }
    await this.ensureBaseline(serverId);

    const now = Date.now();
    const oldest = now - this.cfg.DBWATCH_BASELINE_WINDOW;
    const take = new Uint8Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const at = events[i].at;
      take[i] = events[i].serverId === serverId && at >= oldest && at <= now + FUTURE_MS ? 1 : 0;
    }
    const fresh = await this.events.insert(serverId, source, events, offsets, take, this.enrichment);

    const hits: AlertHit[] = [];
    this.collecting = hits;
    try {
      for (let i = 0; i < events.length; i++) if (fresh[i]) this.detector.process(events[i]);
    } finally {
      this.collecting = null;
    }
    // Anomalies are checked against what every process has stored, before this batch's sightings.
    const kept: AlertHit[] = [];
    for (const h of hits) {
      const b = h.baseline;
      if (!b || !(await this.baselines.seenBefore(serverId, b.kind, b.value, h.at, this.cfg.DBWATCH_BASELINE_WINDOW)))
        kept.push(h);
    }
    const dirty = this.detector.takeDirty(serverId);
    await this.baselines.save(serverId, dirty.start, dirty.entries);
    if (kept.length) await this.recorder.record(server, kept);
  }

  private ensureBaseline(serverId: string): Promise<void> {
    let p = this.loaded.get(serverId);
    if (!p) {
      p = this.baselines
        .load(serverId, new Date(Date.now() - this.cfg.DBWATCH_BASELINE_WINDOW))
        .then((b) => this.detector.seedBaseline(serverId, b.start, b.entries));
      p.catch(() => this.loaded.delete(serverId));
      this.loaded.set(serverId, p);
    }
    return p;
  }
}
