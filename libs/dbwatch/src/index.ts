// Public face of dbwatch (database threat protection for managed PostgreSQL servers).
export * from './events/login-event';
export * from './servers/db-server.entity';
export * from './servers/db-server-policy.entity';
export * from './ingest';
export * from './analysis/alert-types';
export * from './analysis/db-alert';
export * from './analysis/dbwatch-analysis.module';
export * from './api/dbwatch-api.module';
export { DbAlertsService } from './api/db-alerts.service';
export { DbServersService } from './api/db-servers.service';
export * from './mail/dbwatch-worker.module';
// The detectors and enrichment as plain classes (benchmarks of the whole pipeline, tools).
export { LoginDetector, type AlertHit, type AlertHitSink, type ThreatLookup } from './analysis/login-detector';
export { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './analysis/detector-config';
export { IpEnrichment, loadIpEnrichment, emptyIpFacts, type IpFacts } from './analysis/ip-enrichment';
