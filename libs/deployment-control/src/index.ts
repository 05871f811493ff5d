export * from './deployment-control.provider';
export * from './signature';
export * from './webhook.provider';
export * from './dry-run.provider';
export * from './deployment-action.entity';
export * from './deployment-actions.service';
export * from './deployment-control.module';
