import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeploymentControlModule } from '@sg/deployment-control';
import { CaseActionsService } from './domain/case-actions.service';
import { CaseBoardService } from './domain/case-board.service';
import { CaseEscalationService } from './domain/case-escalation.service';
import { CaseFindingEntity } from './persistence/case-finding.entity';
import { CaseNotices } from './domain/case-notices.service';
import { CasePolicy } from './domain/case-policy';
import { CaseQueryService } from './domain/case-query.service';
import { CaseScheduler } from './domain/case-scheduler.service';
import { CaseTimelineEntryEntity } from './persistence/case-timeline-entry.entity';
import { CaseTransitions } from './domain/case-transitions.service';
import { CaseEntity } from './persistence/case.entity';
import { CaseRepository } from './persistence/case.repository';
import { CustomerActionsService } from './domain/customer-actions.service';
import { LoggingCaseNotifier } from './domain/logging-case-notifier';
import { OpenCaseService } from './domain/open-case.service';
import { SuppressionRulesModule } from '@sg/suppression';

/**
 * Cases: entities, state machine, services. No HTTP and no queue consumers here (CasesApiModule and
 * CasesWorkerModule add those per role). Notices go to CASE_NOTIFIER when a bridge provides it
 * (@sg/case-mail's global CaseMailModule, by e-mail), else to LoggingCaseNotifier. Cases never imports mail.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([CaseEntity, CaseTimelineEntryEntity, CaseFindingEntity]),
    DeploymentControlModule,
    SuppressionRulesModule,
  ],
  providers: [
    CaseRepository,
    CasePolicy,
    CaseTransitions,
    CaseScheduler,
    CaseNotices,
    LoggingCaseNotifier,
    OpenCaseService,
    CaseEscalationService,
    CaseActionsService,
    CustomerActionsService,
    CaseQueryService,
    CaseBoardService,
  ],
  exports: [
    CaseBoardService,
    CasePolicy,
    CaseScheduler,
    CaseNotices,
    OpenCaseService,
    CaseEscalationService,
    CaseActionsService,
    CustomerActionsService,
    CaseQueryService,
    SuppressionRulesModule,
    DeploymentControlModule,
  ],
})
export class CasesModule {}
