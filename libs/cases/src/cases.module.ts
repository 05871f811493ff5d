import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeploymentControlModule } from '@sg/deployment-control';
import { MailCaseNotifier } from '@sg/mail';
import { CaseActionsService } from './case-actions.service';
import { CaseEscalationService } from './case-escalation.service';
import { CaseFindingEntity } from './case-finding.entity';
import { CaseNotices } from './case-notices.service';
import { CASE_NOTIFIER } from './case-notifier';
import { CasePolicy } from './case-policy';
import { CaseQueryService } from './case-query.service';
import { CaseReplyHandler } from './case-reply-handler';
import { CaseScheduler } from './case-scheduler.service';
import { CaseTimelineEntryEntity } from './case-timeline-entry.entity';
import { CaseTransitions } from './case-transitions.service';
import { CaseEntity } from './case.entity';
import { CaseRepository } from './case.repository';
import { CustomerActionsService } from './customer-actions.service';
import { OpenCaseService } from './open-case.service';
import { SuppressionRulesModule } from './suppression-rules.module';

/**
 * Cases: entities, state machine, services. No HTTP and no queue consumers here (CasesApiModule and
 * CasesWorkerModule add those per role). CASE_NOTIFIER defaults to a logger; the mail module
 * replaces this provider with the real notifier (see libs/cases/README.md).
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
    // Owners hear of their cases by e-mail (LoggingCaseNotifier is the mail-less fallback).
    { provide: CASE_NOTIFIER, useExisting: MailCaseNotifier },
    OpenCaseService,
    CaseEscalationService,
    CaseActionsService,
    CustomerActionsService,
    CaseQueryService,
    CaseReplyHandler,
  ],
  exports: [
    CASE_NOTIFIER,
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
