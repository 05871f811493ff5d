// Public face of the suppression rules (approved exceptions), used by cases and detection.
export * from './suppressible-finding';
export * from './suppression-rule-document';
export * from './suppression-matcher';
export * from './suppression-rule.entity';
export * from './suppressions-changed-channel';
export * from './suppression-rules.service';
export * from './suppression-rules.module';
export * from './suppression-rules-api.module';
export * from './suppression-rule.schemas';
