import { Module } from '@nestjs/common';
import { CasesController } from './cases.controller';
import { CasesModule } from './cases.module';
import { SuppressionRulesController } from './suppression-rules.controller';

/** The responder API over cases and suppression rules (api role). */
@Module({ imports: [CasesModule], controllers: [CasesController, SuppressionRulesController] })
export class CasesApiModule {}
