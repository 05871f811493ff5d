import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { FlowBatch } from '@sg/flows/flow-batch';
import { BusWatermark } from './bus-watermark';
import { decodeFlows, flowOrigin, MalformedFlowMessage, MAX_MESSAGE_RECORDS, MIN_PULL_BYTES } from './flow-codec';
import { detectorConsumerName, FLOW_STREAM, FLOW_SUBJECT_PREFIX } from './nats-stream';
import { flowSubject } from './partitioner';

export interface FlowSubscriberLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface FlowSubscriberOptions {
  /** The partitions this detector owns (ownedPartitions). */
  partitions: readonly number[];
  /** Event time replayed before the first record not yet analysed (replayHorizonMs). */
  horizonMs: number;
  /** Takes a decoded batch (busPartition set, not attributed): attributes it and hands it to detection. */
  handle(batch: FlowBatch): void;
  /** A promise while detection's queue is too full to take more (the pull then waits). */
  room(): Promise<void> | undefined;
  /**
   * Partition p has had nothing to deliver for PARTITION_IDLE_MS (caught up, its pull waiting):
   * detection may move its clock up to the other partitions', no further than boundMs (the
   * collectors' uploads; 0: no bound). Called again every IDLE_CHECK_MS while it stays idle.
   */
  idle?(partition: number, boundMs: number): void;
  /** Resolves when everything handed so far is analysed and its findings are queued: then it is acked. */
  barrier(): Promise<void>;
  /** How often absorbed messages are acknowledged. */
  ackEveryMs?: number;
  /** Messages one partition's consumer may have delivered and not acknowledged. */
  maxAckPending?: number;
  /** How long the server waits for an ack before delivering a message again. */
  ackWaitMs?: number;
  logger?: FlowSubscriberLogger;
  now?: () => number;
}

/** One owned partition's progress. */
export interface PartitionState {
  partition: number;
  /** Where the replay started (event time of the stream, ms). */
  replayFromMs: number;
  /** Messages of the partition not delivered yet (the consumer's pending count, last seen). */
  behind: number;
  /** Whether the partition has caught up since start (its windows are whole from here on). */
  caughtUp: boolean;
  /** Highest stream sequence handed to detection in this process. */
  lastSeq: number;
  messages: number;
  records: number;
  malformed: number;
  /** Since when (wall clock) its pull waits for a message; 0 while it holds one (reportIdle). */
  waitingSince: number;
}

const WARN_EVERY_MS = 60_000;
/**
 * A caught-up partition whose pull has waited this long (wall clock) has nothing in flight: the
 * collectors publish a partition's partial message every 100 ms, and the server delivers it at once.
 */
export const PARTITION_IDLE_MS = 2_000;
const IDLE_CHECK_MS = 500;
/** Bytes all of a detector's partitions may have pulled and not yet handed on. */
const PULL_BUDGET_BYTES = 32 * 1024 * 1024;

/**
 * What one partition's pull asks for, in bytes: a share of PULL_BUDGET_BYTES, 256 KB to 4 MB (a
 * message of 1,024 records is ~79 KB). In bytes, not messages: nats-server cuts off a client with
 * more than 64 MB on its way to it (a "slow consumer"), and the messages it drops come again only
 * after the ack wait (5 min). With 64 partitions x 64 messages of 1,024 records a detector that
 * replayed hit that and stalled; a message-count limit cannot know how large messages are.
 */
export function pullBytes(partitions: number): number {
  return Math.max(MIN_PULL_BYTES, Math.min(4 * 1024 * 1024, Math.floor(PULL_BUDGET_BYTES / Math.max(1, partitions))));
}

/**
 * The detector side of the flow bus: one durable pull consumer per owned partition
 * (`sg-detector-p<p>`, one puller each, so a partition's messages arrive in order), explicit
 * acks given only after detection absorbed the messages and queued their findings (barrier()).
 *
 * At start each partition's consumer is made anew at the replay point: the stream time of the
 * first message it had not acknowledged (its ack floor) minus the replay horizon, or now minus
 * the horizon for a partition never read. Until every partition caught up (its pending count hit
 * zero) the detector is not ready; findings made during the replay carry the ids they had the
 * first time (deterministic), so cases take them as redeliveries.
 *
 * A message this codec cannot read is counted, logged and terminated (never redelivered); a
 * message delivered again after it was handed to detection here (an ack that came too late) is
 * acknowledged and skipped, so no record counts twice in this process's windows.
 *
 * Every batch handed on carries a watermark (BusWatermark): its partition's detection clock goes no
 * further than the publishing collectors' uploads (detection keeps a clock per partition).
 */
export class FlowSubscriber {
  readonly states = new Map<number, PartitionState>();
  private readonly batch = new FlowBatch(MAX_MESSAGE_RECORDS);
  private readonly watermark: BusWatermark;
  private readonly logger?: FlowSubscriberLogger;
  private readonly now: () => number;
  private toAck: { m: JsMsg | null; p: number; last: boolean }[] = [];
  private startedAt = 0;
  private readonly iterators: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private ackTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private acking: Promise<void> | null = null;
  private stopped = false;
  private lastWarn = 0;
  /** Messages that could not be decoded (terminated). */
  malformed = 0;
  /** Messages delivered again after this process handed them to detection (acked and skipped). */
  duplicates = 0;
  ackErrors = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly opts: FlowSubscriberOptions,
  ) {
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.watermark = new BusWatermark();
  }

  /** True once every owned partition has caught up. */
  get ready(): boolean {
    for (const s of this.states.values()) if (!s.caughtUp) return false;
    return this.states.size === this.opts.partitions.length;
  }

  /** Makes the consumers at their replay points and starts pulling. */
  async start(): Promise<void> {
    this.startedAt = this.now();
    for (const p of this.opts.partitions) {
      const s = await this.prepare(p);
      this.states.set(p, s);
    }
    for (const p of this.opts.partitions)
      this.loops.push(
        this.run(p).catch((err: Error) =>
          this.logger?.error(`flow bus: partition ${p} stopped reading: ${err.stack ?? err.message}`),
        ),
      );
    this.ackTimer = setInterval(() => void this.ackAbsorbed(), this.opts.ackEveryMs ?? 200);
    this.ackTimer.unref();
    if (this.opts.idle) {
      this.idleTimer = setInterval(() => this.reportIdle(), IDLE_CHECK_MS);
      this.idleTimer.unref();
    }
    const replaying = [...this.states.values()].filter((s) => !s.caughtUp);
    this.logger?.log(
      `flow bus: reading ${this.states.size} partitions; ${replaying.length} replay ` +
        `${replaying.reduce((a, s) => a + s.behind, 0)} messages`,
    );
  }

  /** Stops pulling, acknowledges what detection absorbed, and returns. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ackTimer) clearInterval(this.ackTimer);
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const it of this.iterators) it.stop();
    await Promise.allSettled(this.loops);
    await this.ackAbsorbed();
  }

  /** Acknowledges the messages handed to detection so far, once detection absorbed them. */
  ackAbsorbed(): Promise<void> {
    this.acking ??= this.ackNow().finally(() => (this.acking = null));
    return this.acking;
  }

  private async ackNow(): Promise<void> {
    if (this.toAck.length === 0) return;
    const batch = this.toAck;
    this.toAck = [];
    try {
      await this.opts.barrier();
    } catch (err) {
      // Not absorbed for sure: keep them for the next round (the server redelivers after ack_wait otherwise).
      this.toAck = batch.concat(this.toAck);
      this.warn(`flow bus: detection did not confirm a batch, acks wait: ${(err as Error).message}`);
      return;
    }
    for (const { m, p, last } of batch) {
      try {
        m?.ack();
      } catch {
        this.ackErrors++;
      }
      if (last) this.caughtUp(p);
    }
  }

  private caughtUp(p: number): void {
    const s = this.states.get(p)!;
    if (s.caughtUp) return;
    s.caughtUp = true;
    if (this.ready) this.logger?.log('flow bus: every owned partition has caught up; detector ready');
  }

  private async prepare(p: number): Promise<PartitionState> {
    const name = detectorConsumerName(p);
    const horizon = this.opts.horizonMs;
    let from: number | null = this.now() - horizon;
    try {
      const info = await this.jsm.consumers.info(FLOW_STREAM, name);
      const floor = info.ack_floor.stream_seq;
      if (floor > 0) {
        // The first message not acknowledged follows the floor; its time minus the horizon makes its windows whole.
        const m = await this.jsm.streams.getMessage(FLOW_STREAM, { seq: floor }).catch(() => null);
        from = m ? Math.min(from, m.time.getTime() - horizon) : null;
      } else if (info.config.deliver_policy === DeliverPolicy.StartTime && info.config.opt_start_time) {
        // Nothing acknowledged since the last start (it died replaying): replay from where that one did.
        from = Math.min(from, Date.parse(info.config.opt_start_time));
      } else if (info.config.deliver_policy === DeliverPolicy.All) {
        from = null;
      }
      await this.jsm.consumers.delete(FLOW_STREAM, name);
    } catch (err) {
      if (!/consumer not found/i.test((err as Error).message)) throw err;
    }
    await this.jsm.consumers.add(FLOW_STREAM, {
      durable_name: name,
      filter_subject: flowSubject(FLOW_SUBJECT_PREFIX, p),
      ack_policy: AckPolicy.Explicit,
      ...(from === null
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(from).toISOString() }),
      max_ack_pending: this.opts.maxAckPending ?? 1024,
      ack_wait: (this.opts.ackWaitMs ?? 300_000) * 1_000_000,
    });
    const info = await this.jsm.consumers.info(FLOW_STREAM, name);
    return {
      partition: p,
      replayFromMs: from ?? 0,
      behind: info.num_pending,
      caughtUp: info.num_pending === 0,
      lastSeq: 0,
      messages: 0,
      records: 0,
      malformed: 0,
      waitingSince: 0,
    };
  }

  private async run(p: number): Promise<void> {
    const s = this.states.get(p)!;
    const consumer = await this.js.consumers.get(FLOW_STREAM, detectorConsumerName(p));
    const messages = await consumer.consume({ max_bytes: pullBytes(this.opts.partitions.length) });
    this.iterators.push(messages);
    s.waitingSince = this.now();
    for await (const m of messages) {
      s.waitingSince = 0;
      if (this.stopped) break;
      const wait = this.opts.room();
      if (wait) await wait;
      this.handOn(p, s, m);
      s.waitingSince = this.now();
    }
  }

  /**
   * Partitions caught up whose pull has waited PARTITION_IDLE_MS: everything published for them
   * long enough ago to be delivered was read, so their detection clock may follow the others'
   * (FlowSubscriberOptions.idle).
   */
  private reportIdle(): void {
    const now = this.now();
    for (const s of this.states.values())
      if (s.waitingSince > 0 && now - s.waitingSince >= PARTITION_IDLE_MS && s.caughtUp && s.behind === 0)
        this.opts.idle?.(s.partition, this.watermark.bound());
  }

  /** Decodes one message of partition p and hands its records to detection (or skips it), queueing its ack. */
  private handOn(p: number, s: PartitionState, m: JsMsg): void {
    s.behind = m.info.pending;
    // Caught up at the partition's end, or at the first message published after this start.
    const last = !s.caughtUp && (m.info.pending === 0 || m.info.timestampNanos / 1e6 >= this.startedAt);
    if (m.info.streamSequence <= s.lastSeq) {
      this.duplicates++;
      this.toAck.push({ m, p, last });
      return;
    }
    const batch = this.batch;
    try {
      decodeFlows(m.data, batch, p);
    } catch (err) {
      if (!(err instanceof MalformedFlowMessage)) throw err;
      this.malformed++;
      s.malformed++;
      this.warn(`flow bus: malformed message ${m.info.streamSequence} on partition ${p} terminated: ${err.message}`);
      // No reason text: nats-server 2.9 takes a bare +TERM only.
      m.term();
      this.toAck.push({ m: null, p, last });
      return;
    }
    s.lastSeq = m.info.streamSequence;
    s.messages++;
    s.records += batch.length;
    batch.watermarkMs = this.watermark.message(flowOrigin(m.data), batch.watermarkMs, m.info.timestampNanos / 1e6);
    try {
      this.opts.handle(batch);
    } catch (err) {
      this.logger?.error(`flow bus: detection refused a batch of partition ${p}: ${(err as Error).message}`);
    }
    this.toAck.push({ m, p, last });
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    this.logger?.warn(message);
  }
}
