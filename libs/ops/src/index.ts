export * from './logging.module';
export * from './metrics.registry';
export * from './ops.module';
export * from './readiness';
