import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { FlowBatch, FlowSource } from '../flow-batch';
import { NetflowCollector } from '../netflow/netflow-collector';
import { SflowDecoder } from '../sflow/sflow.decoder';
import { UdpListener } from '../udp-listener';
import { FlowMetrics } from './flow-metrics';
import { FlowPipelineService } from './flow-pipeline.service';
import { udpBinding } from './udp-binding';

const BATCH = 8192;

/**
 * The collector role's UDP edge: NetFlow v5/v9 and IPFIX on NETFLOW_PORT, sFlow v5 on
 * SFLOW_PORT, each socket with a large receive buffer (exporters send in bursts). Datagrams are
 * decoded straight into a batch that goes through attribution to detection when full, or on the
 * listener's short tick at idle. Several collectors on one host share the ports with
 * UDP_REUSE_PORT=true (SO_REUSEPORT) or listen on their own HOST or ports (udpBinding).
 */
@Injectable()
export class UdpCollectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('collector');
  readonly netflow: NetflowCollector;
  readonly sflow: SflowDecoder;
  private readonly sflowBatch: FlowBatch;
  private netflowListener: UdpListener | null = null;
  private sflowListener: UdpListener | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    flows: FlowPipelineService,
    metrics: FlowMetrics,
  ) {
    const netflowStats = flows.statsFor('netflow');
    this.netflow = new NetflowCollector(new FlowBatch(BATCH, flows.pipeline.accept), { stats: netflowStats });
    const sflowStats = flows.statsFor(FlowSource.SFLOW);
    this.sflowBatch = new FlowBatch(BATCH, flows.pipeline.accept);
    this.sflowBatch.source = FlowSource.SFLOW;
    this.sflow = new SflowDecoder(this.sflowBatch, sflowStats);
    metrics.addExporterSource(() => [
      ...this.netflow.streamCounters().map((s) => ({
        format: s.version === 5 ? 'netflow-v5' : s.version === 9 ? 'netflow-v9' : 'ipfix',
        exporter: `${s.exporter}/${s.domain}`,
        datagrams: s.datagrams,
        received: s.received,
        lost: s.lost,
      })),
      ...this.sflow.agentCounters().map((a) => ({
        format: 'sflow',
        exporter: a.agent,
        datagrams: a.datagrams,
        received: a.received,
        lost: a.lost,
      })),
    ]);
    metrics.addPendingSource(() => this.netflow.templates.pendingSets);
  }

  /** Bound ports (after start), useful when configured as 0. */
  get ports(): { netflow: number; sflow: number } {
    return { netflow: this.netflowListener?.port ?? 0, sflow: this.sflowListener?.port ?? 0 };
  }

  async onApplicationBootstrap(): Promise<void> {
    const log = { log: (m: string) => this.logger.log(m), warn: (m: string) => this.logger.warn(m) };
    const binding = udpBinding(this.cfg);
    this.netflowListener = new UdpListener({
      ...binding,
      port: this.cfg.NETFLOW_PORT,
      recvBufferSize: this.cfg.UDP_RECEIVE_BUFFER,
      stats: this.netflow.stats,
      logger: log,
      onMessage: (msg, exporter) => this.netflow.handle(msg, exporter),
      onTick: () => this.netflow.tick(),
    });
    this.sflowListener = new UdpListener({
      ...binding,
      port: this.cfg.SFLOW_PORT,
      recvBufferSize: this.cfg.UDP_RECEIVE_BUFFER,
      stats: this.sflow.stats,
      logger: log,
      onMessage: (msg, exporter) => {
        if (this.sflowBatch.exporter !== exporter) {
          this.sflowBatch.flush();
          this.sflowBatch.exporter = exporter;
        }
        this.sflow.decode(msg, Date.now());
      },
      onTick: () => this.sflowBatch.flush(),
    });
    await this.netflowListener.start();
    await this.sflowListener.start();
  }

  /**
   * Stops taking datagrams and hands on what was decoded (the listeners' final tick flushes).
   * Module destruction comes before every application-shutdown hook, so detection still takes
   * this last batch before it drains and stops its thread.
   */
  async onModuleDestroy(): Promise<void> {
    await this.netflowListener?.stop();
    await this.sflowListener?.stop();
  }
}
