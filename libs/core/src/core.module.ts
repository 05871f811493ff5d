import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@sg/auth';
import { AppConfigModule, type AppConfig } from '@sg/common';
import { DbModule } from '@sg/db';
import { LoggingModule, OpsModule } from '@sg/ops';
import { QueuesModule, RedisModule } from '@sg/queues';

/** What every role's process has: config, logs, PostgreSQL, Redis, queues, auth, health and metrics. */
@Module({})
export class CoreModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        DbModule,
        RedisModule,
        QueuesModule,
        AuthModule,
        OpsModule,
      ],
    };
  }
}
