import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { InventoryQueryModule } from '@sg/inventory';
import { DeploymentActionEntity } from './deployment-action.entity';
import { DeploymentActionRepository } from './deployment-action.repository';
import { DeploymentActionsService } from './deployment-actions.service';
import { DEPLOYMENT_CONTROL_PROVIDER, type DeploymentControlProvider } from './deployment-control.provider';
import { DryRunProvider } from './dry-run.provider';
import { WebhookProvider } from './webhook.provider';

/**
 * The control-plane port and its providers: the signed webhook when DEPLOYMENT_CONTROL_URL is
 * set, the dry run otherwise. Knows cases only by id; the worker that applies answers to cases is
 * in @sg/escalation.
 */
@Module({
  imports: [TypeOrmModule.forFeature([DeploymentActionEntity]), InventoryQueryModule],
  providers: [
    DeploymentActionRepository,
    DeploymentActionsService,
    {
      provide: DEPLOYMENT_CONTROL_PROVIDER,
      inject: [APP_CONFIG],
      useFactory: (cfg: AppConfig): DeploymentControlProvider =>
        cfg.DEPLOYMENT_CONTROL_URL
          ? new WebhookProvider(
              cfg.DEPLOYMENT_CONTROL_URL,
              cfg.DEPLOYMENT_CONTROL_SECRET!,
              cfg.DEPLOYMENT_CONTROL_TIMEOUT,
            )
          : new DryRunProvider(),
    },
  ],
  exports: [DeploymentActionsService, DEPLOYMENT_CONTROL_PROVIDER],
})
export class DeploymentControlModule {}
