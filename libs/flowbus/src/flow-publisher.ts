import { randomBytes } from 'node:crypto';
import { FlowBatch } from '@sg/flows/flow-batch';
import type { FlowConsumer } from '@sg/flows/attribution/flow-pipeline';
import { encodeFlows, HEADER_BYTES, MIN_PULL_BYTES, RECORD_BYTES } from './flow-codec';
import { flowSubject } from './partitioner';

/** Where encoded messages go (JetStream publish, with the message id for the server's de-duplication). */
export type FlowPublishSink = (subject: string, payload: Uint8Array, msgId: string) => Promise<unknown>;

export interface FlowPublisherLogger {
  warn(message: string): void;
}

export interface FlowPublisherOptions {
  partitions: number;
  subjectPrefix: string;
  /** The bus partition of each VM slot of this process's inventory, current (partitionsOfSlots). */
  partitionOfSlot: () => Int16Array;
  /** Records per message: a partition's message goes when it holds this many... */
  messageRecords?: number;
  /** ...or when this long has passed (the timer flushes every partition's partial message). */
  flushMs?: number;
  /** Messages awaiting the server's ack beyond which room() asks uploads to wait. */
  softPending?: number;
  /** Messages awaiting the server's ack beyond which new messages are shed and counted (UDP cannot wait). */
  hardPending?: number;
  /** Attempts of one message before its records are counted as lost, and the first retry's delay. */
  attempts?: number;
  retryMs?: number;
  /** The event time every upload going on has reached (UploadStreams.watermark; 0: none), read per message. */
  watermark?: () => number;
  logger?: FlowPublisherLogger;
}

const WARN_EVERY_MS = 60_000;

/**
 * The collector side of the flow bus, a FlowConsumer of the flow pipeline: each attributed record
 * goes to the partition of each of its VMs (both partitions for a VM-to-VM record, once when they
 * share one), gathered per partition into messages of up to `messageRecords` records (flushed on
 * size or every `flushMs`), and published without waiting. Publishes in flight are capped:
 * past `softPending`, room() tells an HTTP upload to wait; past `hardPending`, messages are shed
 * and counted, as the detection queue does when UDP outruns it. A failed publish is counted and
 * retried with the same message id, so the server drops the copy if the first one did arrive.
 * Nothing here throws into the pipeline.
 */
export class FlowPublisher implements FlowConsumer {
  /** Records (per partition copy) and messages acknowledged by the server. */
  publishedRecords = 0;
  publishedMessages = 0;
  /** Publish attempts that failed (each retried until `attempts`), and records given up after them. */
  publishErrors = 0;
  lostRecords = 0;
  /** Records not published because too many messages awaited their ack. */
  shedRecords = 0;
  /** Messages awaiting the server's ack (retries included). */
  pending = 0;

  private readonly builders: FlowBatch[] = [];
  /** consume()'s scratch: record indexes by partition, each record's partitions, where each partition's run starts. */
  private order = new Int32Array(0);
  private partA = new Int16Array(0);
  private partB = new Int16Array(0);
  private readonly starts: Int32Array;
  private readonly fill: Int32Array;
  private readonly opts: Required<Omit<FlowPublisherOptions, 'logger'>> & Pick<FlowPublisherOptions, 'logger'>;
  private readonly idPrefix = randomBytes(6).toString('hex');
  /** This publisher in message headers (flow-codec.ts): never 0. */
  private readonly origin = randomBytes(4).readUInt32LE(0) || 1;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private idle: (() => void)[] = [];
  private lastWarn = 0;

  constructor(
    private readonly sink: FlowPublishSink,
    options: FlowPublisherOptions,
  ) {
    // Each message costs the same whatever its size (a publish, its ack, a socket write): at 500k
    // records/s over 64 partitions a partition gathers ~200 records in 25 ms. Up to 1,024 records
    // or 100 ms cut the collector's CPU per record by ~10% (bench:ingest's JetStream edge); 100 ms
    // is little beside the seconds an exporter holds a flow. The caps in messages keep ~130k
    // records in flight, as 512 messages of 256 did.
    const soft = options.softPending ?? 128;
    this.opts = {
      messageRecords: 1024,
      flushMs: 100,
      softPending: soft,
      hardPending: soft * 4,
      attempts: 5,
      retryMs: 100,
      watermark: () => 0,
      ...options,
    };
    // A detector pulls at least MIN_PULL_BYTES at a time: a larger message would never reach it.
    const most = Math.floor((MIN_PULL_BYTES - HEADER_BYTES) / RECORD_BYTES);
    if (!(this.opts.messageRecords >= 1 && this.opts.messageRecords <= most))
      throw new Error(`messageRecords: ${this.opts.messageRecords} is not 1 to ${most}`);
    this.starts = new Int32Array(options.partitions + 1);
    this.fill = new Int32Array(options.partitions);
    for (let p = 0; p < options.partitions; p++)
      this.builders.push(new FlowBatch(this.opts.messageRecords, (b) => this.send(p, b)));
  }

  /** Starts the flush timer. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  consume(batch: FlowBatch): void {
    const parts = this.opts.partitionOfSlot();
    const np = parts.length;
    const { srcVm, dstVm, direction } = batch;
    const n = batch.length;
    const partitions = this.builders.length;
    // A stable counting sort of the records by partition (a VM-to-VM record under both of its
    // partitions), then each partition's records appended in one go: see appendGathered.
    if (this.order.length < 2 * n) {
      this.order = new Int32Array(2 * n);
      this.partA = new Int16Array(n);
      this.partB = new Int16Array(n);
    }
    const { order, partA, partB } = this;
    const at = this.starts;
    at.fill(0);
    for (let i = 0; i < n; i++) {
      let ps = -1;
      let pd = -1;
      if (direction[i] !== 0) {
        const s = srcVm[i];
        const d = dstVm[i];
        ps = s >= 0 && s < np ? parts[s] : -1;
        pd = d >= 0 && d < np ? parts[d] : -1;
        if (pd === ps) pd = -1;
        if (ps >= 0) at[ps + 1]++;
        if (pd >= 0) at[pd + 1]++;
      }
      partA[i] = ps;
      partB[i] = pd;
    }
    for (let p = 0; p < partitions; p++) at[p + 1] += at[p];
    const fill = this.fill;
    fill.set(at.subarray(0, partitions));
    for (let i = 0; i < n; i++) {
      const ps = partA[i];
      const pd = partB[i];
      if (ps >= 0) order[fill[ps]++] = i;
      if (pd >= 0) order[fill[pd]++] = i;
    }
    for (let p = 0; p < partitions; p++)
      if (at[p + 1] > at[p]) this.builders[p].appendGathered(batch, order, at[p], at[p + 1]);
  }

  room(): Promise<void> | undefined {
    if (this.pending <= this.opts.softPending) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Sends every partition's partial message now. */
  flush(): void {
    for (const b of this.builders) b.flush();
  }

  /** Flushes, stops the timer and resolves when no publish is in flight. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
    if (this.pending > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private send(partition: number, b: FlowBatch): void {
    const n = b.length;
    if (this.pending >= this.opts.hardPending) {
      this.shedRecords += n;
      this.warn(`flow bus: ${this.pending} messages await the server's ack; ${this.shedRecords} records shed so far`);
      return;
    }
    b.watermarkMs = this.opts.watermark();
    const msg = encodeFlows(b, partition, this.origin);
    const id = `${this.idPrefix}-${++this.seq}`;
    this.pending++;
    this.attempt(flowSubject(this.opts.subjectPrefix, partition), msg, id, n, 1);
  }

  private attempt(subject: string, msg: Uint8Array, id: string, records: number, attempt: number): void {
    let p: Promise<unknown>;
    try {
      p = this.sink(subject, msg, id);
    } catch (err) {
      p = Promise.reject(err as Error);
    }
    p.then(
      () => {
        this.publishedRecords += records;
        this.publishedMessages++;
        this.settle();
      },
      (err: Error) => {
        this.publishErrors++;
        if (attempt < this.opts.attempts) {
          const t = setTimeout(
            () => this.attempt(subject, msg, id, records, attempt + 1),
            this.opts.retryMs * 2 ** (attempt - 1),
          );
          t.unref();
          return;
        }
        this.lostRecords += records;
        this.warn(
          `flow bus: publish to ${subject} failed ${attempt} times (${err.message}); ${this.lostRecords} records lost so far`,
        );
        this.settle();
      },
    );
  }

  private settle(): void {
    this.pending--;
    if (this.waiters.length && this.pending <= this.opts.softPending >> 1) {
      const w = this.waiters;
      this.waiters = [];
      for (const r of w) r();
    }
    if (this.pending === 0 && this.idle.length) {
      const w = this.idle;
      this.idle = [];
      for (const r of w) r();
    }
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    this.opts.logger?.warn(message);
  }
}
