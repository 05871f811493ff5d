import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@sg/ops';
import { LOGIN_EVENT_CONSUMER, type LoginEvent, type LoginEventConsumer } from '../events/login-event';

/**
 * Where ingestion hands joined login events over: the LOGIN_EVENT_CONSUMER that analysis binds,
 * or, in a process without analysis, a fallback that only counts them (and logs each batch at
 * debug level), so ingestion works and can be watched on its own.
 */
@Injectable()
export class LoginEventOutlet {
  private readonly logger = new Logger('DbwatchIngest');
  /** Events handed over, by kind, since start. */
  readonly delivered = new Map<string, number>();
  consumer: LoginEventConsumer;
  readonly bound: boolean;
  private readonly events: Counter<'kind'> | null;
  private readonly records: Counter<'outcome'> | null;

  constructor(
    @Optional() @Inject(LOGIN_EVENT_CONSUMER) consumer?: LoginEventConsumer | null,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry | null,
  ) {
    this.bound = !!consumer;
    this.events = registry
      ? new Counter({
          name: 'safeguards_dbwatch_login_events_total',
          help: 'Login events read from database server logs and handed to analysis, by kind',
          labelNames: ['kind'],
          registers: [registry],
        })
      : null;
    this.records = registry
      ? new Counter({
          name: 'safeguards_dbwatch_log_records_total',
          help: 'Database log records read (accepted) or refused (rejected: too long, prefix, csv/json)',
          labelNames: ['outcome'],
          registers: [registry],
        })
      : null;
    this.consumer = consumer ?? {
      consume: async (serverId, source, events) => {
        this.logger.debug(
          `${events.length} login events of ${serverId}${source ? ` from ${source}` : ''} (no analysis bound)`,
        );
      },
    };
  }

  async deliver(
    serverId: string,
    source: string,
    events: readonly LoginEvent[],
    offsets: readonly number[],
  ): Promise<void> {
    if (events.length === 0) return;
    await this.consumer.consume(serverId, source, events, offsets);
    for (const e of events) this.delivered.set(e.kind, (this.delivered.get(e.kind) ?? 0) + 1);
    if (this.events) for (const e of events) this.events.inc({ kind: e.kind });
  }

  /** Records read and refused (counted per upload or per followed stretch, never per line). */
  countRecords(accepted: number, rejected: number): void {
    if (accepted) this.records?.inc({ outcome: 'accepted' }, accepted);
    if (rejected) this.records?.inc({ outcome: 'rejected' }, rejected);
  }
}
