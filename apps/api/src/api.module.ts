import { Module, type DynamicModule } from '@nestjs/common';
import { TokensApiModule } from '@sg/auth';
import { CaseMailModule } from '@sg/case-mail';
import type { AppConfig } from '@sg/common';
import { CasesApiModule } from '@sg/cases';
import { ConsoleModule } from '@sg/console';
import { DbwatchApiModule, DbwatchIngestApiModule } from '@sg/dbwatch';
import { flowDetectionFor } from '@sg/flowbus';
import { FlowsIngestApiModule } from '@sg/flows';
import { InventoryApiModule } from '@sg/inventory';
import { MailHistoryReader } from '@sg/mail';
import { SuppressionRulesApiModule } from '@sg/suppression';

/** HTTP API role: inventory, tokens, cloud flow-log ingestion, cases, suppression rules, database log ingestion and alerts, the console and the customer page. */
@Module({
  imports: [
    InventoryApiModule,
    TokensApiModule,
    FlowsIngestApiModule,
    CasesApiModule,
    ConsoleModule.forRoot({ correspondence: MailHistoryReader }),
    SuppressionRulesApiModule,
    CaseMailModule,
    DbwatchIngestApiModule,
    DbwatchApiModule,
  ],
})
export class ApiModule {
  /** Uploaded flows go to detection in this process (FLOW_BUS=memory) or to the bus (nats). */
  static forBus(bus: AppConfig['FLOW_BUS']): DynamicModule {
    return { module: ApiModule, imports: [flowDetectionFor(bus)] };
  }
}
