import type { PrefixSet } from '@sg/common';
import { FlowBatch } from '../flow-batch';
import { attributeBatch, type AddressLookup, type AttributionCounts } from './attributor';

/**
 * The one narrow interface between ingestion and detection: a consumer receives attributed
 * batches. Records with direction UNATTRIBUTED are in the batch and must be skipped. The batch is
 * reused after consume() returns. Every record carries its VM slots (srcVm, dstVm), so a later
 * consumer can partition by VM across processes without changing the producers.
 */
export interface FlowConsumer {
  consume(batch: FlowBatch): void;
}

/** Decoders and parsers hand their batches here; it attributes them and passes them on. */
export class FlowPipeline {
  readonly counts: AttributionCounts = { inbound: 0, outbound: 0, internal: 0, unattributed: 0 };
  private readonly consumers: FlowConsumer[] = [];

  constructor(
    private readonly index: () => AddressLookup,
    private readonly internal: () => PrefixSet,
  ) {}

  addConsumer(c: FlowConsumer): void {
    this.consumers.push(c);
  }

  /** Attributes the batch (in place) and hands it to every consumer. Safe as a FlowBatch onFull callback. */
  readonly accept = (batch: FlowBatch): void => {
    if (batch.length === 0) return;
    attributeBatch(batch, this.index(), this.internal(), this.counts);
    for (const c of this.consumers) c.consume(batch);
  };
}
