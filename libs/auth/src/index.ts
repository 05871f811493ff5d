export * from './role';
export * from './roles.decorator';
export * from './token-hash';
export * from './token.service';
export * from './auth.guard';
export * from './auth.module';
