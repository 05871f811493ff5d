// Public face of dbwatch (database threat protection for managed PostgreSQL servers).
export * from './events/login-event';
export * from './servers/db-server.entity';
export * from './servers/db-server-policy.entity';
