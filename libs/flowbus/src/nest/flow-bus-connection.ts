import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { replayHorizonMs } from '@sg/detection';
import { ensureFlowStream, streamMaxAgeMs } from '../nats-stream';

/** How long shutdown waits for publishes in flight and for a connection still being opened. */
const CLOSE_MS = 5_000;

const within = <T>(ms: number, p: Promise<T>): Promise<T | null> =>
  Promise.race([p, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref())]);

/** The client's connection type (its own type export is not reachable with this repository's module resolution). */
export type NatsConnection = Awaited<ReturnType<typeof connect>>;

/**
 * This process's connection to the NATS server(s) of the flow bus (NATS_URL), opened by the first
 * side that needs it (publisher or subscriber), with the flow stream made or updated on the way.
 * The client reconnects by itself for as long as the process runs.
 */
@Injectable()
export class FlowBusConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('flowbus');
  private opening: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly cfg: AppConfig) {}

  private readonly beforeClose: (() => Promise<void>)[] = [];

  /** The connection, opened on first call; a failed attempt is forgotten, so the next call tries again. */
  open(): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> {
    if (!this.opening) {
      const o = this.connect();
      this.opening = o;
      o.catch(() => {
        if (this.opening === o) this.opening = null;
      });
    }
    return this.opening;
  }

  /** Work to finish before the connection closes at shutdown (the publisher's messages in flight). */
  onClose(fn: () => Promise<void>): void {
    this.beforeClose.push(fn);
  }

  async onApplicationShutdown(): Promise<void> {
    // Bounded: with NATS unreachable, messages in flight never settle and the connection never opens.
    await within(CLOSE_MS, Promise.allSettled(this.beforeClose.map((fn) => fn())));
    const o = await within(CLOSE_MS, this.opening?.catch(() => null) ?? Promise.resolve(null));
    if (o) await o.nc.drain().catch(() => o.nc.close());
  }

  private async connect(): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> {
    const nc = await connect({
      servers: this.cfg.NATS_URL.split(',').map((s) => s.trim()),
      name: `safeguards-${process.pid}`,
      maxReconnectAttempts: -1,
      // A server not up yet is waited for (publishes queue up to the publisher's caps meanwhile).
      waitOnFirstConnect: true,
      // The client otherwise makes two Errors (stack traces) per publish and ack, to say where a
      // time-out began: ~10% of a collector's CPU per record (bench/ingest.bench.ts, JetStream edge).
      noAsyncTraces: true,
    });
    void (async () => {
      for await (const s of nc.status())
        if (s.type === 'disconnect' || s.type === 'reconnect') this.logger.warn(`NATS ${s.type}`);
    })().catch(() => undefined);
    try {
      const jsm = await jetstreamManager(nc);
      await ensureFlowStream(jsm, {
        partitions: this.cfg.FLOW_PARTITIONS,
        maxAgeMs: streamMaxAgeMs(replayHorizonMs()),
        maxBytes: this.cfg.FLOW_BUS_MAX_BYTES,
      });
      return { nc, js: jetstream(nc), jsm };
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }
}
