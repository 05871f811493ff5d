import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { AppConfig, Role } from '@sg/common';
import { CoreModule } from '@sg/core';
import { MailModule } from '@sg/mail';
import { ApiModule } from '../../api/src/api.module';
import { CollectorModule } from '../../collector/src/collector.module';
import { WorkerModule } from '../../worker/src/worker.module';

const ROLE_MODULES: Record<Role, Type> = { api: ApiModule, collector: CollectorModule, worker: WorkerModule };

/** The composition root: the core plus the modules of the roles this process runs. */
@Module({})
export class AppModule {
  static forRoles(roles: Role[], config?: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), MailModule.forRoot(), ...roles.map((r) => ROLE_MODULES[r])],
    };
  }
}
