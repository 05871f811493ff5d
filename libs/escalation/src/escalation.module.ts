import { Module } from '@nestjs/common';
import { CasesModule } from '@sg/cases';
import { EscalationService } from './escalation.service';
import { EscalationSweep } from './escalation-sweep.service';
import { EvidenceTrafficRecheck } from './evidence-traffic-recheck';
import { LiveTrafficRecheck } from './live-traffic-recheck';
import { TRAFFIC_RECHECK } from './traffic-recheck';

/**
 * Escalation decisions and the reconciler's sweep, without consumers (EscalationWorkerModule adds
 * them). TRAFFIC_RECHECK asks detection's live state across processes (LiveTrafficRecheck) and
 * falls back on the case's own evidence (EvidenceTrafficRecheck); see libs/escalation/README.md.
 */
@Module({
  imports: [CasesModule],
  providers: [
    EvidenceTrafficRecheck,
    { provide: TRAFFIC_RECHECK, useClass: LiveTrafficRecheck },
    EscalationService,
    EscalationSweep,
  ],
  exports: [TRAFFIC_RECHECK, EscalationService, EscalationSweep],
})
export class EscalationModule {}
