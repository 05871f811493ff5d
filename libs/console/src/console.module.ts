import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule, type Type } from '@nestjs/common';
import { urlencoded } from 'express';
import { APP_CONFIG, CustomerLinks, customerLinksFrom } from '@sg/common';
import { CasesModule } from '@sg/cases';
import { InventoryModule } from '@sg/inventory';
import { DbwatchApiModule } from '@sg/dbwatch';
import { CASE_CORRESPONDENCE, NoCorrespondence, type CaseCorrespondenceReader } from './case-correspondence';
import { ConsoleDbAlertsController } from './console-db-alerts.controller';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleLive } from './console-live.service';
import { ConsoleOidc } from './console-oidc.service';
import { ConsolePagesController } from './console-pages.controller';
import { ConsoleSessionService } from './console-session.service';
import { ConsoleSignInController } from './console-sign-in.controller';
import { ConsoleGuard } from './console.guard';
import { ConsoleViews } from './console-views';
import { CustomerPageController } from './customer-page.controller';

export interface ConsoleModuleOptions {
  /** Reads a case's e-mails out and replies in (mail's MailHistoryReader); default: none. */
  correspondence?: Type<CaseCorrespondenceReader>;
}

/** The responder console (/console) and the customer page (/c/<token>), api role. */
@Module({})
export class ConsoleModule implements NestModule {
  static forRoot(opts: ConsoleModuleOptions = {}): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [CasesModule, InventoryModule, DbwatchApiModule],
      controllers: [ConsoleSignInController, ConsolePagesController, ConsoleDbAlertsController, CustomerPageController],
      providers: [
        { provide: ConsoleViews, useFactory: () => new ConsoleViews() },
        { provide: CustomerLinks, inject: [APP_CONFIG], useFactory: customerLinksFrom },
        { provide: CASE_CORRESPONDENCE, useClass: opts.correspondence ?? NoCorrespondence },
        ConsoleSessionService,
        ConsoleOidc,
        ConsoleGuard,
        ConsoleExceptionFilter,
        ConsoleLive,
      ],
    };
  }

  /** Form posts (application/x-www-form-urlencoded, small) on the console and customer pages only. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }))
      .forRoutes(ConsoleSignInController, ConsolePagesController, ConsoleDbAlertsController, CustomerPageController);
  }
}
