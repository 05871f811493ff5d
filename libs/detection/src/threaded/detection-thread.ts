import { existsSync } from 'node:fs';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FlowBatch, inPartition } from '@sg/flows/flow-batch';
import type { FlowConsumer } from '@sg/flows/attribution/flow-pipeline';
import type { DetectionConfigInput } from '../engine/detection-config';
import type { DetectionEngineStats, RecheckResult } from '../engine/detection-engine';
import type { FindingKind, FindingRole } from '@sg/queues/finding-vocabulary';
import type { Finding } from '../engine/finding';
import type { SuppressionRule } from '../engine/suppression-rule';
import type { ThreatListSource, ThreatListStats } from '../engine/threat-intel';
import type { DetectionWorkerData, FromDetection, ToDetection, VmDirectorySnapshot } from './detection-protocol';

export interface DetectionThreadLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface DetectionThreadOptions {
  /** Every finding update, in the order the engine made them, on the caller's thread. */
  onFinding: (finding: Finding) => void;
  config?: DetectionConfigInput;
  /** Records the queue between the receiving thread and detection holds (rounded up to whole slots). */
  queueRecords?: number;
  /** Records per slot: the largest batch handed over in one piece. */
  slotRecords?: number;
  advanceMs?: number;
  statsMs?: number;
  /**
   * With detection on several threads: this one takes the records with a VM end whose slot %
   * count === index, and its engine keeps only those VMs (default: all, { index: 0, count: 1 }).
   */
  partition?: { index: number; count: number };
  logger?: DetectionThreadLogger;
}

export const DEFAULT_DETECTION_QUEUE_RECORDS = 1 << 20;
const SLOT_RECORDS = 8192;
const ROOM_POLL_MS = 5;
const SHED_WARN_EVERY_MS = 60_000;
const silent: DetectionThreadLogger = { log: () => {}, warn: () => {}, error: () => {} };

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * Detection on its own thread, so the thread that receives datagrams only decodes, attributes and
 * copies. Attributed records are copied into shared-memory slots (a ring of FlowBatches) that the
 * detection thread reads in place; a slot is written again only after the detection thread clears
 * its owner flag. When every slot is taken the batch is shed and counted: a UDP receiver that
 * waited would lose the same datagrams in the kernel, uncounted. HTTP uploads wait instead (room()).
 *
 * If the detection thread dies it is started again (its windows start empty) with the directory,
 * exceptions and threat lists it had; requests in flight fail.
 */
export class DetectionThread implements FlowConsumer {
  /** Attributed records handed to detection, and records shed because the queue was full. */
  handed = 0;
  shed = 0;
  restarts = 0;
  /** Batches the engine threw on (reported by the thread, which goes on). */
  errors = 0;
  /** The engine's counters as last sent by the thread (every statsMs). */
  latestStats: DetectionEngineStats | null = null;

  private readonly logger: DetectionThreadLogger;
  private readonly slots: FlowBatch[] = [];
  private readonly owners: Int32Array;
  private readonly data: DetectionWorkerData;
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closing = false;
  private lastShedWarn = 0;
  private directory: VmDirectorySnapshot | null = null;
  private rules: SuppressionRule[] | null = null;
  private intel: ThreatListSource[] | null = null;

  constructor(private readonly opts: DetectionThreadOptions) {
    this.logger = opts.logger ?? silent;
    const capacity = opts.slotRecords ?? SLOT_RECORDS;
    const count = Math.max(2, Math.ceil((opts.queueRecords ?? DEFAULT_DETECTION_QUEUE_RECORDS) / capacity));
    const slotBytes = FlowBatch.byteLength(capacity);
    const memory = new SharedArrayBuffer(slotBytes * count);
    const owners = new SharedArrayBuffer(4 * count);
    this.owners = new Int32Array(owners);
    for (let s = 0; s < count; s++) this.slots.push(new FlowBatch(capacity, undefined, memory, s * slotBytes));
    this.data = {
      memory,
      owners,
      slots: count,
      capacity,
      config: opts.config,
      advanceMs: opts.advanceMs ?? 5_000,
      statsMs: opts.statsMs ?? 1_000,
      partition: opts.partition ?? { index: 0, count: 1 },
    };
  }

  /** Records the queue can hold. */
  get queueCapacity(): number {
    return this.slots.length * this.data.capacity;
  }

  /** Slots handed to the detection thread and not yet given back. */
  get queuedSlots(): number {
    let n = 0;
    for (let s = 0; s < this.slots.length; s++) if (Atomics.load(this.owners, s) !== 0) n++;
    return n;
  }

  /**
   * Share of time the detection thread was busy since `since` (a value this returned before, or
   * the thread's start): near 1 means detection is the bottleneck.
   */
  utilization(): EventLoopUtilization;
  utilization(since: EventLoopUtilization): number;
  utilization(since?: EventLoopUtilization): number | EventLoopUtilization {
    const perf = this.worker?.performance;
    if (!perf) return since ? 0 : { idle: 0, active: 0, utilization: 0 };
    return since ? perf.eventLoopUtilization(since).utilization : perf.eventLoopUtilization();
  }

  /** Starts the thread; resolves when its engine is built. */
  start(): Promise<void> {
    if (!this.ready) this.ready = this.spawn();
    return this.ready;
  }

  consume(batch: FlowBatch): void {
    const n = batch.length;
    const cap = this.data.capacity;
    for (let from = 0; from < n; from += cap) {
      const to = Math.min(n, from + cap);
      const worker = this.worker;
      // The lowest free slot, not the next in ring order: messages carry the slot, so order does
      // not depend on it, and a queue a few slots deep keeps reusing the same few slots. They stay
      // in the shared cache, where this thread's copy and the detection thread's reads find them;
      // cycling through the whole queue (86 MB by default) made both miss on every line.
      const owners = this.owners;
      const count = this.slots.length;
      let head = 0;
      while (head < count && Atomics.load(owners, head) !== 0) head++;
      if (!worker || head === count) {
        this.shedRange(batch, from, n);
        return;
      }
      const slot = this.slots[head];
      slot.length = 0;
      const part = this.data.partition;
      const copied = slot.appendOwned(batch, from, to, part.index, part.count);
      if (copied === 0) continue;
      this.handed += copied;
      Atomics.store(owners, head, 1);
      worker.postMessage({
        t: 'batch',
        slot: head,
        length: copied,
        source: batch.source,
        exporter: batch.exporter,
        busPartition: batch.busPartition,
        watermarkMs: batch.watermarkMs,
      } satisfies ToDetection);
    }
  }

  /** While more than half of the queue is taken: a promise that resolves once it is under a quarter. */
  room(): Promise<void> | undefined {
    const total = this.slots.length;
    if (this.queuedSlots * 2 <= total || !this.worker) return undefined;
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.queuedSlots * 4 <= total || !this.worker || this.closing) resolve();
        else setTimeout(check, ROOM_POLL_MS);
      };
      setTimeout(check, ROOM_POLL_MS);
    });
  }

  /** VM identities for findings; send before the first batch attributed against a new inventory. */
  setDirectory(d: VmDirectorySnapshot): void {
    this.directory = d;
    this.post({ t: 'directory', ...d });
  }

  setSuppressionRules(rules: SuppressionRule[]): void {
    this.rules = rules;
    this.post({ t: 'rules', rules });
  }

  /** Loads the lists in the detection thread; rejects (keeping the old lists there) if a file cannot be read. */
  async setThreatLists(sources: ThreatListSource[]): Promise<ThreatListStats[]> {
    this.intel = sources;
    return (await this.request({ t: 'intel', id: 0, sources })) as ThreatListStats[];
  }

  /** Flow-bus partition p has nothing to deliver for now (DetectionEngine.partitionIdle); after the batches before it. */
  partitionIdle(partition: number, boundMs: number): void {
    this.post({ t: 'idle', partition, boundMs });
  }

  async advance(nowMs: number): Promise<void> {
    await this.request({ t: 'advance', id: 0, nowMs });
  }

  async recheck(
    vmSlot: number,
    role: FindingRole,
    kind: FindingKind,
    windowMs: number,
    nowMs: number,
  ): Promise<RecheckResult> {
    return (await this.request({ t: 'recheck', id: 0, vmSlot, role, kind, windowMs, nowMs })) as RecheckResult;
  }

  async stats(): Promise<DetectionEngineStats> {
    return (await this.request({ t: 'stats', id: 0 })) as DetectionEngineStats;
  }

  /** Resolves when every batch handed over so far is processed and its findings delivered. */
  async drain(): Promise<void> {
    await this.request({ t: 'drain', id: 0 });
  }

  /** Processes what is queued, then stops the thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    try {
      if (this.worker) await this.drain();
    } finally {
      this.closing = true;
      const w = this.worker;
      this.worker = null;
      if (w) await w.terminate();
    }
  }

  private shedRange(batch: FlowBatch, from: number, to: number): void {
    const { index, count } = this.data.partition;
    const sv = batch.srcVm;
    const dv = batch.dstVm;
    let n = 0;
    for (let i = from; i < to; i++)
      if (batch.direction[i] !== 0 && (inPartition(sv[i], index, count) || inPartition(dv[i], index, count))) n++;
    this.shed += n;
    const now = Date.now();
    if (now - this.lastShedWarn >= SHED_WARN_EVERY_MS) {
      this.lastShedWarn = now;
      this.logger.warn(
        `detection queue full (${this.queueCapacity} records): ${this.shed} records shed so far; detection is slower than ingestion`,
      );
    }
  }

  private post(m: ToDetection): void {
    this.worker?.postMessage(m);
  }

  private request(m: ToDetection & { id: number }): Promise<unknown> {
    const w = this.worker;
    if (!w) return Promise.reject(new Error('detection thread not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...m, id });
    });
  }

  private spawn(): Promise<void> {
    const w = startWorker(this.data);
    this.worker = w;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      w.on('message', (m: FromDetection) => {
        switch (m.t) {
          case 'findings':
            for (const f of m.findings) this.deliver(f);
            return;
          case 'stats':
            this.latestStats = m.stats;
            return;
          case 'reply': {
            const p = this.pending.get(m.id);
            if (!p) return;
            this.pending.delete(m.id);
            if (m.error !== undefined) p.reject(new Error(m.error));
            else p.resolve(m.value);
            return;
          }
          case 'error':
            this.errors++;
            this.logger.error(`detection thread: a batch failed: ${m.message}`);
            return;
          case 'ready':
            started = true;
            resolve();
            return;
        }
      });
      w.on('error', (err) => {
        this.logger.error(`detection thread failed: ${err.stack ?? err.message}`);
        if (!started) reject(err);
      });
      w.on('exit', (code) => {
        if (this.worker !== w) return;
        this.worker = null;
        for (const p of this.pending.values()) p.reject(new Error(`detection thread exited (${code})`));
        this.pending.clear();
        if (this.closing || !started) return;
        this.restarts++;
        this.logger.error(`detection thread exited with code ${code}; starting a new one (its windows start empty)`);
        this.restart();
      });
    });
  }

  private restart(): void {
    for (let s = 0; s < this.slots.length; s++) Atomics.store(this.owners, s, 0);
    this.ready = this.spawn().then(() => {
      if (this.directory) this.post({ t: 'directory', ...this.directory });
      if (this.rules) this.post({ t: 'rules', rules: this.rules });
      if (this.intel) void this.setThreatLists(this.intel).catch(() => undefined);
    });
    this.ready.catch((err: Error) => this.logger.error(`detection thread did not restart: ${err.message}`));
  }

  private deliver(f: Finding): void {
    try {
      this.opts.onFinding(f);
    } catch (err) {
      this.logger.error(`finding ${f.id} not delivered: ${(err as Error).message}`);
    }
  }
}

/**
 * Starts the detection thread from the compiled worker next to this file, or, when running from
 * TypeScript sources (tests, ts-node scripts), through ts-node with the repository's path aliases.
 */
function startWorker(data: DetectionWorkerData): Worker {
  const js = join(__dirname, 'detection-worker.js');
  if (existsSync(js)) return new Worker(js, { workerData: data });
  const ts = join(__dirname, 'detection-worker.ts');
  const tsconfig = findUp(__dirname, 'tsconfig.json');
  const boot = [
    `const tsconfig = ${JSON.stringify(tsconfig)};`,
    `const { compilerOptions } = require(tsconfig);`,
    `require('ts-node').register({ transpileOnly: true, project: tsconfig });`,
    `require('tsconfig-paths').register({ baseUrl: require('node:path').resolve(${JSON.stringify(dirname(tsconfig))}, compilerOptions.baseUrl || '.'), paths: compilerOptions.paths });`,
    `require(${JSON.stringify(ts)});`,
  ].join('\n');
  return new Worker(boot, { eval: true, workerData: data });
}

function findUp(from: string, name: string): string {
  let dir = from;
  for (;;) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) throw new Error(`${name} not found above ${from}`);
    dir = up;
  }
}
