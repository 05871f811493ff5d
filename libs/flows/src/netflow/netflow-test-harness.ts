import { FlowBatch } from '../flow-batch';
import { toFlowRecord, type FlowRecord } from '../flow-record';
import { NetflowCollector, type NetflowCollectorOptions } from './netflow-collector';

/** A collector whose batches are turned into FlowRecord objects, for tests. */
export interface NetflowHarness {
  collector: NetflowCollector;
  /** Records handed on so far (call flush() first to include the current batch). */
  records: FlowRecord[];
  /** Decodes a datagram and flushes, returning the records it produced. */
  feed(buf: Uint8Array, exporter?: string): FlowRecord[];
  rejected(reason: string): number;
}

export function netflowHarness(options: NetflowCollectorOptions = {}, capacity = 64): NetflowHarness {
  const records: FlowRecord[] = [];
  const batch = new FlowBatch(capacity, (b) => {
    for (let i = 0; i < b.length; i++) records.push(toFlowRecord(b, i));
  });
  const collector = new NetflowCollector(batch, options);
  return {
    collector,
    records,
    feed(buf, exporter = '192.0.2.1') {
      const before = records.length;
      collector.handle(buf, exporter);
      collector.flush();
      return records.slice(before);
    },
    rejected: (reason) => collector.stats.rejected.get(reason) ?? 0,
  };
}
