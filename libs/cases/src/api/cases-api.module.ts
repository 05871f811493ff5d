import { Module } from '@nestjs/common';
import { CasesController } from './cases.controller';
import { CasesModule } from '../cases.module';

/** The responder API over cases (api role); suppression rules have theirs in @sg/suppression. */
@Module({ imports: [CasesModule], controllers: [CasesController] })
export class CasesApiModule {}
