import { Module } from '@nestjs/common';
import { CasesModule } from '@sg/cases';
import { EscalationService } from './escalation.service';
import { EscalationSweep } from './escalation-sweep.service';
import { EvidenceTrafficRecheck } from './evidence-traffic-recheck';
import { TRAFFIC_RECHECK } from './traffic-recheck';

/**
 * Escalation decisions and the reconciler's sweep, without consumers (EscalationWorkerModule adds
 * them). TRAFFIC_RECHECK defaults to the case's own evidence; detection replaces this provider
 * with its live re-check (see libs/escalation/README.md).
 */
@Module({
  imports: [CasesModule],
  providers: [{ provide: TRAFFIC_RECHECK, useClass: EvidenceTrafficRecheck }, EscalationService, EscalationSweep],
  exports: [TRAFFIC_RECHECK, EscalationService, EscalationSweep],
})
export class EscalationModule {}
