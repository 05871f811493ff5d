import { Module } from '@nestjs/common';
import { TokensApiModule } from '@sg/auth';
import { CasesApiModule } from '@sg/cases';
import { DetectionModule } from '@sg/detection';
import { FlowsIngestApiModule } from '@sg/flows';
import { InventoryApiModule } from '@sg/inventory';

/** HTTP API role: inventory, tokens, cloud flow-log ingestion, cases (and, as it lands: console). */
@Module({ imports: [InventoryApiModule, TokensApiModule, FlowsIngestApiModule, DetectionModule, CasesApiModule] })
export class ApiModule {}
