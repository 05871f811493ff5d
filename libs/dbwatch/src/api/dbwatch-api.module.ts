import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InventoryQueryModule } from '@sg/inventory';
import { DbServerPolicyEntity } from '../servers/db-server-policy.entity';
import { DbServerEntity } from '../servers/db-server.entity';
import { DbwatchAnalysisModule } from '../analysis/dbwatch-analysis.module';
import { DbAlertsController } from './db-alerts.controller';
import { DbAlertsService } from './db-alerts.service';
import { DbServersController } from './db-servers.controller';
import { DbServersService } from './db-servers.service';

/** dbwatch's HTTP API (api role): servers and policies, alerts, suppression rules. */
@Module({
  imports: [
    DbwatchAnalysisModule,
    InventoryQueryModule,
    TypeOrmModule.forFeature([DbServerEntity, DbServerPolicyEntity]),
  ],
  controllers: [DbServersController, DbAlertsController],
  providers: [DbServersService, DbAlertsService],
  // The console's database alert pages read through these (ARCHITECTURE: console -> dbwatch's public services).
  exports: [DbServersService, DbAlertsService],
})
export class DbwatchApiModule {}
