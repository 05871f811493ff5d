export * from './case-correspondence';
export * from './console.module';
