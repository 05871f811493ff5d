import { unwatchFile, watchFile } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { ThreatIntel } from '@sg/detection';

/** How often the list files are checked for changes (as detection does). */
const POLL_MS = 10_000;

/**
 * The THREAT_LISTS the "suspicious IP" alert looks addresses up in, reloaded when a file changes
 * (threat feeds are rewritten daily or hourly). A file that cannot be read keeps the lists in force.
 */
@Injectable()
export class DbwatchThreatLists implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DbwatchAnalysis');
  /** Null when no THREAT_LISTS are configured or the first load failed. */
  readonly intel: ThreatIntel | null;

  constructor(@Inject(APP_CONFIG) private readonly cfg: AppConfig) {
    let intel: ThreatIntel | null = null;
    if (cfg.THREAT_LISTS.length) {
      intel = new ThreatIntel();
      if (!this.load(intel)) intel = null;
    }
    this.intel = intel;
  }

  onModuleInit(): void {
    if (!this.intel) return;
    for (const { path } of this.cfg.THREAT_LISTS)
      watchFile(path, { interval: POLL_MS, persistent: false }, () => this.reload());
  }

  onApplicationShutdown(): void {
    if (this.intel) for (const { path } of this.cfg.THREAT_LISTS) unwatchFile(path);
  }

  /** Reads the files again; answers whether they were taken. */
  reload(): boolean {
    return this.intel ? this.load(this.intel) : false;
  }

  private load(intel: ThreatIntel): boolean {
    try {
      const stats = intel.setSources(this.cfg.THREAT_LISTS.map((l) => ({ category: l.category, path: l.path })));
      this.logger.log({ lists: stats }, 'threat lists loaded for login alerts');
      return true;
    } catch (err) {
      this.logger.warn(`threat lists not (re)loaded for login alerts: ${(err as Error).message}`);
      return false;
    }
  }
}
