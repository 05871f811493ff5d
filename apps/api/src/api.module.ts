import { Module } from '@nestjs/common';
import { TokensApiModule } from '@sg/auth';
import { DetectionModule } from '@sg/detection';
import { FlowsIngestApiModule } from '@sg/flows';
import { InventoryApiModule } from '@sg/inventory';

/** HTTP API role: inventory, tokens, cloud flow-log ingestion and detection (and, as they land: cases, console). */
@Module({ imports: [InventoryApiModule, TokensApiModule, FlowsIngestApiModule, DetectionModule] })
export class ApiModule {}
