import { Module } from '@nestjs/common';
import { CasesModule } from '../cases.module';
import { FindingsBatcher } from './findings-batcher.service';
import { FindingsProcessor } from './findings.processor';

/** The "findings" queue consumer (worker role). */
@Module({ imports: [CasesModule], providers: [FindingsBatcher, FindingsProcessor] })
export class CasesWorkerModule {}
