import { Global, Module } from '@nestjs/common';
import { InventoryQueryModule } from '@sg/inventory';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { LOGIN_EVENT_CONSUMER } from '../events/login-event';
import { AlertRecorder } from './alert-recorder.service';
import { AlertRepository } from './alert.repository';
import { BaselineRepository } from './baseline.repository';
import { DEFAULT_DETECTOR_CONFIG } from './detector-config';
import { IpEnrichment, loadIpEnrichment } from './ip-enrichment';
import { LoginDetector } from './login-detector';
import { DetectorFactory, LoginEventAnalysisConsumer } from './login-event-analysis.consumer';
import { LoginEventRepository } from './login-event.repository';
import { ServerDirectory } from './server-directory';
import { DbwatchThreatLists } from './threat-lists.service';

/**
 * Login analysis for the roles where ingestion runs (api, collector): provides
 * LOGIN_EVENT_CONSUMER (global, so ingestion's modules find it), the enrichment data (loaded once
 * at start) and the alert store the API reads.
 */
@Global()
@Module({
  imports: [InventoryQueryModule],
  providers: [
    {
      provide: IpEnrichment,
      inject: [APP_CONFIG],
      useFactory: (cfg: AppConfig) =>
        loadIpEnrichment({ networksFile: cfg.DBWATCH_NETWORKS, regionsFile: cfg.CLOUD_REGIONS }),
    },
    {
      provide: DetectorFactory,
      inject: [APP_CONFIG, IpEnrichment, DbwatchThreatLists],
      useFactory: (cfg: AppConfig, enrichment: IpEnrichment, lists: DbwatchThreatLists): DetectorFactory => ({
        create: (sink) =>
          new LoginDetector(enrichment, lists.intel, sink, {
            ...DEFAULT_DETECTOR_CONFIG,
            baselineWindowMs: cfg.DBWATCH_BASELINE_WINDOW,
            learningPeriodMs: cfg.DBWATCH_LEARNING_PERIOD,
          }),
      }),
    },
    DbwatchThreatLists,
    ServerDirectory,
    LoginEventRepository,
    BaselineRepository,
    AlertRepository,
    AlertRecorder,
    LoginEventAnalysisConsumer,
    { provide: LOGIN_EVENT_CONSUMER, useExisting: LoginEventAnalysisConsumer },
  ],
  exports: [
    LOGIN_EVENT_CONSUMER,
    LoginEventAnalysisConsumer,
    IpEnrichment,
    ServerDirectory,
    LoginEventRepository,
    AlertRepository,
    DbwatchThreatLists,
  ],
})
export class DbwatchAnalysisModule {}
