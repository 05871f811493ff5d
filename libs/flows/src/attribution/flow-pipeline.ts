import type { PrefixSet } from '@sg/common';
import { FlowBatch } from '../flow-batch';
import { attributeBatch, type AddressLookup, type AttributionCounts } from './attributor';
import { UploadStreams } from './upload-streams';

/**
 * The one narrow interface between ingestion and detection: a consumer receives attributed
 * batches. Records with direction UNATTRIBUTED are in the batch and must be skipped. The batch is
 * reused after consume() returns. Every record carries its VM slots (srcVm, dstVm), so a later
 * consumer can partition by VM across processes without changing the producers.
 */
export interface FlowConsumer {
  consume(batch: FlowBatch): void;
  /**
   * A promise while the consumer is behind and a producer that can wait (an HTTP upload) should
   * wait before handing more; undefined when there is room. UDP cannot wait and never asks.
   */
  room?(): Promise<void> | undefined;
}

/** Decoders and parsers hand their batches here; it attributes them and passes them on. */
export class FlowPipeline {
  readonly counts: AttributionCounts = { inbound: 0, outbound: 0, internal: 0, unattributed: 0 };
  private readonly consumers: FlowConsumer[] = [];
  /** HTTP uploads going on, kept together in event time (upload-streams.ts). */
  readonly uploads = new UploadStreams();

  constructor(
    private readonly index: () => AddressLookup,
    private readonly internal: () => PrefixSet,
  ) {}

  addConsumer(c: FlowConsumer): void {
    this.consumers.push(c);
  }

  /** Resolves when every consumer has room (see FlowConsumer.room); undefined when they have now. */
  room(): Promise<void> | undefined {
    let waits: Promise<void>[] | undefined;
    for (const c of this.consumers) {
      const w = c.room?.();
      if (w) (waits ??= []).push(w);
    }
    return waits && Promise.all(waits).then(() => undefined);
  }

  /** Attributes the batch (in place) and hands it to every consumer. Safe as a FlowBatch onFull callback. */
  readonly accept = (batch: FlowBatch): void => {
    if (batch.length === 0) return;
    attributeBatch(batch, this.index(), this.internal(), this.counts);
    for (const c of this.consumers) c.consume(batch);
  };
}
