import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { CaseQueryService, CaseScheduler, type DueCase } from '@sg/cases';

/** Rows per kind of due work read in one sweep; anything beyond is picked up by the next tick. */
const SWEEP_LIMIT = 5000;

export interface SweepResult {
  deadlines: number;
  reminders: number;
  actions: number;
  enqueued: number;
  ms: number;
}

/**
 * Re-enqueues from PostgreSQL whatever is due, because Redis may lose jobs. Reads only through
 * the partial indexes over active cases (never the closed history) and looks ahead one interval,
 * so a deadline whose job was lost still fires on time: the re-enqueued job carries the delay left.
 * Job ids are derived from the rows, so sweeping twice (or on two replicas) enqueues nothing twice.
 */
@Injectable()
export class EscalationSweep {
  constructor(
    private readonly cases: CaseQueryService,
    private readonly scheduler: CaseScheduler,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  async sweep(now = Date.now()): Promise<SweepResult> {
    const started = process.hrtime.bigint();
    const until = new Date(now + this.cfg.ESCALATION_RECONCILE_INTERVAL);
    const [deadlines, reminders, actions] = await Promise.all([
      this.cases.dueDeadlines(until, SWEEP_LIMIT),
      this.cases.dueReminders(until, SWEEP_LIMIT),
      this.cases.pendingActions(SWEEP_LIMIT),
    ]);
    const byId = new Map<string, DueCase>();
    for (const c of [...deadlines, ...reminders, ...actions]) byId.set(c.id, c);
    const enqueued = await this.scheduler.sync([...byId.values()]);
    return {
      deadlines: deadlines.length,
      reminders: reminders.length,
      actions: actions.length,
      enqueued,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    };
  }
}
