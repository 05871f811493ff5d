import { Module } from '@nestjs/common';
import { TokensApiModule } from '@sg/auth';
import { FlowsIngestApiModule } from '@sg/flows';
import { InventoryApiModule } from '@sg/inventory';

/** HTTP API role: inventory, tokens, cloud flow-log ingestion (and, as they land: cases, console). */
@Module({ imports: [InventoryApiModule, TokensApiModule, FlowsIngestApiModule] })
export class ApiModule {}
