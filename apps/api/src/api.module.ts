import { Module } from '@nestjs/common';
import { TokensApiModule } from '@sg/auth';
import { InventoryApiModule } from '@sg/inventory';

/** HTTP API role: inventory, tokens (and, as they land: flow ingestion, cases, console). */
@Module({ imports: [InventoryApiModule, TokensApiModule] })
export class ApiModule {}
