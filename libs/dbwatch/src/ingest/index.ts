// Log ingestion: parsers, joiner, upload endpoint, follower.
export * from './create-log-parser';
export * from './line-prefix';
export * from './log-parser';
export * from './login-joiner';
export * from './login-event-outlet';
export * from './dbwatch-ingest.module';
export * from './log-follower';
export * from './log-position.store';
export * from './db-log-follower.service';
