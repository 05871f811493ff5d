import { Injectable } from '@nestjs/common';
import { CaseQueryService } from '@sg/cases';
import type { TrafficRecheck, TrafficRecheckQuery, TrafficRecheckResult } from './traffic-recheck';

/**
 * The re-check from the case's own evidence (no live re-check exists yet): the traffic counts as still active when the
 * open case's latest finding was seen (event time) within the window. It cannot tell a pattern
 * that stopped a minute ago from one that goes on, so with it a shutdown may follow traffic that
 * ended less than RECHECK_WINDOW before the deadline; a live re-check would look at current flows.
 */
@Injectable()
export class EvidenceTrafficRecheck implements TrafficRecheck {
  constructor(private readonly cases: CaseQueryService) {}

  async recheck(q: TrafficRecheckQuery): Promise<TrafficRecheckResult> {
    const c = await this.cases.findOpenByKey(q.vmId, q.role, q.kind);
    if (!c) return { stillActive: false, figures: { source: 'case evidence', note: 'no open case' } };
    const e = c.evidence;
    const ageMs = Date.now() - Date.parse(e.lastSeen);
    return {
      stillActive: ageMs <= q.windowMs,
      figures: {
        source: 'case evidence',
        lastSeen: e.lastSeen,
        secondsSinceLastSeen: Math.round(ageMs / 1000),
        windowSeconds: Math.round(q.windowMs / 1000),
        flows: e.counts.flows,
        packets: e.counts.packets,
        bytes: e.counts.bytes,
        distinctPeers: e.counts.distinctPeers,
        activeFindings: e.activeFindings,
      },
    };
  }
}
