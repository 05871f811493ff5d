import type { FlowBatch } from '@sg/flows/flow-batch';
import { toFlowRecord, type FlowRecord } from '@sg/flows/flow-record';

interface SampleBuffer {
  bucket: number;
  flows: FlowRecord[];
}

/** Example records per side and kind. */
const SAMPLES = 5;

/**
 * Up to 5 example records per side and kind, kept for the findings' evidence (cold: only for
 * sides near a rule), keyed `track * 8 + KIND_INDEX[kind]`; a buffer older than a window starts
 * over. `full` lets the hot path skip the map for kinds whose buffer is full for now.
 */
export class SampleBuffers {
  private readonly buffers = new Map<number, SampleBuffer>();
  /** Per track: kinds whose sample buffer is full for now (skip the map on the hot path). */
  full = new Uint8Array(1024);
  /** Per track: kinds that have a sample buffer. */
  private has = new Uint8Array(1024);

  constructor(private readonly windowBuckets: number) {}

  /** Tracks the per-track arrays hold. */
  get capacity(): number {
    return this.full.length;
  }

  /** Keeps record i of the batch as an example of the kind (bit KIND_INDEX) for the side. */
  add(tr: number, kindBit: number, b: FlowBatch, i: number, bucket: number): void {
    const key = tr * 8 + (31 - Math.clz32(kindBit));
    let buf = this.buffers.get(key);
    if (!buf || bucket - buf.bucket >= this.windowBuckets) {
      buf = { bucket, flows: [] };
      this.buffers.set(key, buf);
      this.has[tr] |= kindBit;
    }
    if (buf.flows.length < SAMPLES) {
      try {
        buf.flows.push(toFlowRecord(b, i));
      } catch {
        // A record with an unprintable field (bad timestamp) is still counted; it is just no example.
      }
    }
    if (buf.flows.length >= SAMPLES) this.full[tr] |= kindBit;
  }

  /** The side's examples of kind index k. */
  of(tr: number, k: number): FlowRecord[] | undefined {
    return this.buffers.get(tr * 8 + k)?.flows;
  }

  /** A track given to a new side. */
  admit(tr: number): void {
    this.full[tr] = 0;
    this.has[tr] = 0;
  }

  /** After the window step ending at bucket e: buffers may fill again; those older than the window go. */
  stepped(tr: number, e: number): void {
    this.full[tr] = 0;
    const has = this.has[tr];
    if (has === 0) return;
    for (let k = 0; k < 7; k++) {
      if ((has & (1 << k)) === 0) continue;
      const buf = this.buffers.get(tr * 8 + k);
      if (!buf || e - buf.bucket >= this.windowBuckets) {
        this.buffers.delete(tr * 8 + k);
        this.has[tr] &= ~(1 << k);
      }
    }
  }

  evicted(tr: number): void {
    for (let k = 0; k < 7; k++) this.buffers.delete(tr * 8 + k);
    this.full[tr] = 0;
    this.has[tr] = 0;
  }

  grow(cap: number): void {
    const full = new Uint8Array(cap);
    full.set(this.full);
    this.full = full;
    const has = new Uint8Array(cap);
    has.set(this.has);
    this.has = has;
  }
}
