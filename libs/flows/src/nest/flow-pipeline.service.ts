import { Injectable } from '@nestjs/common';
import { InventoryIndexService } from '@sg/inventory';
import { FlowPipeline } from '../attribution/flow-pipeline';
import { DecodeStats } from '../decode-stats';
import { FLOW_SOURCE_NAMES, type FlowSource } from '../flow-batch';

/**
 * This process's flow pipeline: attribution against the live inventory index, then the
 * registered consumers (detection). Also holds the per-format decode counters for /metrics.
 */
@Injectable()
export class FlowPipelineService {
  readonly pipeline: FlowPipeline;
  private readonly stats = new Map<string, DecodeStats>();

  constructor(inventory: InventoryIndexService) {
    this.pipeline = new FlowPipeline(
      () => inventory.index,
      () => inventory.internal,
    );
  }

  /** The counters of one input format, created on first use. */
  statsFor(source: FlowSource | string): DecodeStats {
    const name = typeof source === 'string' ? source : FLOW_SOURCE_NAMES[source];
    let s = this.stats.get(name);
    if (!s) {
      s = new DecodeStats();
      this.stats.set(name, s);
    }
    return s;
  }

  allStats(): ReadonlyMap<string, DecodeStats> {
    return this.stats;
  }
}
