import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { listenForChanges, type RedisClient } from '@sg/queues';
import { SUPPRESSIONS_CHANGED_CHANNEL, SuppressionRulesService } from '@sg/suppression';
import { DetectionService } from './detection.service';

/** Safety net beside the change notices: rules are re-read this often even if a notice was lost. */
const RELOAD_MS = 60_000;

/**
 * Keeps the engine's approved exceptions equal to the active suppression rules in PostgreSQL:
 * loaded at start, again whenever a rule change is announced a change on Redis, and every
 * minute in case an announcement was lost. No restart is ever needed.
 */
@Injectable()
export class SuppressionSyncService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('detection');
  private subscriber: RedisClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    private readonly rules: SuppressionRulesService,
    private readonly detection: DetectionService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    const notices = listenForChanges(this.cfg, 'safeguards-detection-suppressions', SUPPRESSIONS_CHANGED_CHANNEL, {
      onNotice: () => void this.reload(),
      onReconnect: () => void this.reload(),
      onSubscribeError: (err) =>
        this.logger.warn(`suppression change subscription failed, relying on the periodic reload: ${err.message}`),
    });
    this.subscriber = notices.subscriber;
    this.timer = setInterval(() => void this.reload(), RELOAD_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.subscriber?.disconnect();
  }

  reload(): Promise<void> {
    this.loading ??= this.rules
      .listActive()
      .then((rules) => this.detection.setSuppressionRules(rules))
      .catch((err: Error) => this.logger.warn(`suppression rules not reloaded: ${err.message}`))
      .finally(() => (this.loading = null));
    return this.loading;
  }
}
