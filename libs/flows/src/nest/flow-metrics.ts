import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@sg/ops';
import { FLOW_DIRECTION_NAMES } from '../flow-batch';
import { FlowPipelineService } from './flow-pipeline.service';
import { monotonicCounter } from './monotonic-counter';

/** Per-exporter figures a UDP collector reports (sequence-number loss estimation). */
export interface ExporterFigures {
  format: string;
  exporter: string;
  datagrams: number;
  received: number;
  lost: number;
}

/**
 * The flow counters on /metrics, read from the plain counters of the decoders and the pipeline at
 * scrape time (prom-client never runs on the per-record path).
 */
@Injectable()
export class FlowMetrics {
  private readonly exporterSources: (() => ExporterFigures[])[] = [];
  private readonly pendingSources: (() => number)[] = [];

  constructor(flows: FlowPipelineService, @Inject(METRICS_REGISTRY) r: Registry) {
    const stats = () => flows.allStats();
    monotonicCounter(
      r,
      'safeguards_flow_datagrams_total',
      'Datagrams or uploads received, by format',
      ['format'],
      function* () {
        for (const [format, s] of stats()) yield [{ format }, s.datagrams];
      },
    );
    monotonicCounter(
      r,
      'safeguards_flow_records_decoded_total',
      'Flow records decoded, by format',
      ['format'],
      function* () {
        for (const [format, s] of stats()) yield [{ format }, s.records];
      },
    );
    monotonicCounter(
      r,
      'safeguards_flow_rejected_total',
      'Datagrams, records or lines rejected, by format and reason',
      ['format', 'reason'],
      function* () {
        for (const [format, s] of stats()) for (const [reason, n] of s.rejected) yield [{ format, reason }, n];
      },
    );
    const counts = flows.pipeline.counts;
    monotonicCounter(
      r,
      'safeguards_flow_records_attributed_total',
      'Records after attribution, by direction (unattributed ones are counted here and dropped)',
      ['direction'],
      function* () {
        yield [{ direction: FLOW_DIRECTION_NAMES[1] }, counts.inbound];
        yield [{ direction: FLOW_DIRECTION_NAMES[2] }, counts.outbound];
        yield [{ direction: FLOW_DIRECTION_NAMES[3] }, counts.internal];
        yield [{ direction: FLOW_DIRECTION_NAMES[0] }, counts.unattributed];
      },
    );
    const exporters = () => this.exporterSources.flatMap((f) => f());
    monotonicCounter(
      r,
      'safeguards_flow_exporter_records_total',
      'Records received per exporter (NetFlow/IPFIX/sFlow)',
      ['format', 'exporter'],
      function* () {
        for (const e of exporters()) yield [{ format: e.format, exporter: e.exporter }, e.received];
      },
    );
    monotonicCounter(
      r,
      'safeguards_flow_exporter_lost_total',
      'Records estimated lost per exporter, from sequence numbers',
      ['format', 'exporter'],
      function* () {
        for (const e of exporters()) yield [{ format: e.format, exporter: e.exporter }, e.lost];
      },
    );
    const pending = this.pendingSources;
    new Gauge({
      name: 'safeguards_flow_waiting_for_template',
      help: 'NetFlow v9/IPFIX data sets held until their template arrives',
      registers: [r],
      collect() {
        this.set(pending.reduce((a, f) => a + f(), 0));
      },
    });
  }

  addExporterSource(read: () => ExporterFigures[]): void {
    this.exporterSources.push(read);
  }

  addPendingSource(read: () => number): void {
    this.pendingSources.push(read);
  }
}
