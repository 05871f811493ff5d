import { Module } from '@nestjs/common';
import { InventoryQueryModule } from '@sg/inventory';
import { AlertRepository } from '../analysis/alert.repository';
import { BaselineRepository } from '../analysis/baseline.repository';
import { LoginEventRepository } from '../analysis/login-event.repository';
import { ServerDirectory } from '../analysis/server-directory';
import { AlertMailProcessor } from './alert-mail.processor';
import { AlertMailer } from './alert-mailer.service';
import { DbAlertMailRenderer } from './db-alert-mail.renderer';
import { DbwatchMaintenanceTick } from './dbwatch-maintenance.tick';

/**
 * Worker role: the "dbwatch" queue (alert mail, throttled) and the maintenance tick. Needs
 * ScheduleModule.forRoot() in the role's module and MailModule.forRoot() in the application.
 */
@Module({
  imports: [InventoryQueryModule],
  providers: [
    AlertRepository,
    ServerDirectory,
    LoginEventRepository,
    BaselineRepository,
    // Compiled once, at start: a broken template stops the worker before any alert is due.
    { provide: DbAlertMailRenderer, useFactory: () => new DbAlertMailRenderer() },
    AlertMailer,
    AlertMailProcessor,
    DbwatchMaintenanceTick,
  ],
  exports: [AlertMailer],
})
export class DbwatchWorkerModule {}
