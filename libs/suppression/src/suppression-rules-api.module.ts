import { Module } from '@nestjs/common';
import { SuppressionRulesController } from './suppression-rules.controller';
import { SuppressionRulesModule } from './suppression-rules.module';

/** The responder API over suppression rules (api role): list them, revoke one. */
@Module({ imports: [SuppressionRulesModule], controllers: [SuppressionRulesController] })
export class SuppressionRulesApiModule {}
