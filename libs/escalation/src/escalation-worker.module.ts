import { Module } from '@nestjs/common';
import { CasesModule } from '@sg/cases';
import { DeploymentActionProcessor } from './deployment-action.processor';
import { EscalationModule } from './escalation.module';
import { EscalationProcessor } from './escalation.processor';
import { ReconcileTick } from './reconcile.tick';

/** Worker role: the escalation and deployment-control consumers and the reconciler tick. */
@Module({
  imports: [EscalationModule, CasesModule],
  providers: [EscalationProcessor, DeploymentActionProcessor, ReconcileTick],
  exports: [DeploymentActionProcessor],
})
export class EscalationWorkerModule {}
