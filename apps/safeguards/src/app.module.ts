import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { loadConfig, type AppConfig, type ProcessRole } from '@sg/common';
import { CoreModule } from '@sg/core';
import { ApiModule } from '../../api/src/api.module';
import { CollectorModule } from '../../collector/src/collector.module';
import { DetectorModule } from '../../detector/src/detector.module';
import { WorkerModule } from '../../worker/src/worker.module';

/** Each role's module; the roles that receive flows hand them to detection here or to the bus (FLOW_BUS). */
const ROLE_MODULES: Record<ProcessRole, (bus: AppConfig['FLOW_BUS']) => Type | DynamicModule> = {
  api: (bus) => ApiModule.forBus(bus),
  collector: (bus) => CollectorModule.forBus(bus),
  worker: () => WorkerModule,
  detector: () => DetectorModule,
};

/** The composition root: the core plus the modules of the roles this process runs. */
@Module({})
export class AppModule {
  static forRoles(roles: ProcessRole[], config?: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), ...roles.map((r) => ROLE_MODULES[r]((config ?? loadConfig()).FLOW_BUS))],
    };
  }
}
