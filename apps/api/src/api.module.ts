import { Module } from '@nestjs/common';
import { TokensApiModule } from '@sg/auth';
import { CasesApiModule } from '@sg/cases';
import { FlowsIngestApiModule } from '@sg/flows';
import { InventoryApiModule } from '@sg/inventory';

/** HTTP API role: inventory, tokens, cloud flow-log ingestion, cases (and, as it lands: console). */
@Module({ imports: [InventoryApiModule, TokensApiModule, FlowsIngestApiModule, CasesApiModule] })
export class ApiModule {}
