import type { PrefixSet } from '@sg/common';
import { FlowBatch, FlowDirection } from '../flow-batch';

/** What attribution needs from the inventory: the VM slot holding an address at a time, or -1. */
export interface AddressLookup {
  lookup(family: number, words: ArrayLike<number>, off: number, tMs: number): number;
}

export interface AttributionCounts {
  inbound: number;
  outbound: number;
  internal: number;
  unattributed: number;
}

/**
 * Marks each record with the VM slots of its two ends and its direction:
 * - inbound: outside -> VM;  outbound: VM -> outside;
 * - internal: VM -> VM, or a VM and an address inside the operator's own prefixes;
 * - unattributed: no end is a VM (such records are counted and skipped downstream, never kept).
 * The owner is looked up at the flow's start time, because addresses move between VMs.
 * Allocation-free: counts go into the caller's object.
 */
export function attributeBatch(
  batch: FlowBatch,
  index: AddressLookup,
  internal: PrefixSet,
  out: AttributionCounts,
): void {
  const n = batch.length;
  const fam = batch.family;
  const src = batch.srcAddr;
  const dst = batch.dstAddr;
  const start = batch.startMs;
  const hasPrefixes = internal.size > 0;
  for (let i = 0; i < n; i++) {
    const a = i << 2;
    const f = fam[i];
    const t = start[i];
    const s = index.lookup(f, src, a, t);
    const d = index.lookup(f, dst, a, t);
    batch.srcVm[i] = s;
    batch.dstVm[i] = d;
    let dir: number;
    if (s >= 0) {
      if (d >= 0 || (hasPrefixes && internal.contains(f, dst, a))) {
        dir = FlowDirection.INTERNAL;
        out.internal++;
      } else {
        dir = FlowDirection.OUTBOUND;
        out.outbound++;
      }
    } else if (d >= 0) {
      if (hasPrefixes && internal.contains(f, src, a)) {
        dir = FlowDirection.INTERNAL;
        out.internal++;
      } else {
        dir = FlowDirection.INBOUND;
        out.inbound++;
      }
    } else {
      dir = FlowDirection.UNATTRIBUTED;
      out.unattributed++;
    }
    batch.direction[i] = dir;
  }
}
