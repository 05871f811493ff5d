export * from './job-catalogue';
export * from './job-options';
export * from './queue.service';
export * from './queues.module';
export * from './redis.module';
export * from './finding-document';
export * from './settle-worker-connections';
export * from './change-notices';
