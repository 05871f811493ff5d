import { formatAddress } from '@sg/common/ip';
import type { FindingKind } from '@sg/queues/finding-vocabulary';
import type { FindingCounts } from './finding';
import type { SlidingDistinct } from './sliding-distinct';

/** A peer in a detection's evidence; `vm` is the peer's VM slot when it is one of ours (else -1). */
export interface PeerEvidence {
  ip: string;
  flows: number;
  packets: number;
  bytes: number;
  vm: number;
}

/** A VM at the other end of a VM-to-VM attack, which gets the mirror finding (opposite role). */
export interface MirrorTarget {
  vmSlot: number;
  peer: PeerEvidence;
}

/**
 * A side's heavy peers (top-4 by packets, current bucket). With `received`, only the peers that
 * the side's traffic is mostly UDP to and that are among `received`'s values in [from, to] (all
 * such peers once it holds no exact values), counted by those UDP packets.
 */
export type HeavyPeers = (
  track: number,
  received?: SlidingDistinct | null,
  from?: number,
  to?: number,
) => PeerEvidence[];

/** What a detector reports when its rule fires for one VM side and window (cold path only). */
export interface Detection {
  kind: FindingKind;
  subkind: string;
  ruleName: string;
  threshold: number;
  observed: number;
  description: string;
  counts: FindingCounts;
  topPeers: PeerEvidence[];
  ports: number[];
  /** True when most of the evidence is VM-to-VM traffic. */
  internal: boolean;
  /** Event-time span of the evidence (ms); 0 when unknown. */
  firstMs: number;
  lastMs: number;
  mirrors: MirrorTarget[];
}

/** The buckets a rule looks at: [from, to]; `current` says `to` is the side's live bucket (rates valid). */
export interface EvalWindow {
  from: number;
  to: number;
  bucketMs: number;
  current: boolean;
  /** Tables may drop rows last seen before this bucket (-Infinity: read only, e.g. a re-check). */
  purgeBefore: number;
  /**
   * An eager look at the side's still open bucket (`to` is partial): rules whose verdict can flip
   * when the rest of the bucket arrives stay quiet; the bucket's close evaluates them as usual.
   */
  eager?: boolean;
}

const scratchWords = new Uint32Array(4);

/** Formats an address held as 4 words (IPv4 in word 0). */
export function formatPeer(family: number, words: ArrayLike<number>, off = 0): string {
  if (family === 6) {
    for (let k = 0; k < 4; k++) scratchWords[k] = words[off + k];
    return formatAddress(6, scratchWords, 0);
  }
  return formatAddress(4, words, off);
}

/** Heaviest first, at most n. */
export function topPeers(peers: PeerEvidence[], n = 10, by: 'flows' | 'packets' = 'flows'): PeerEvidence[] {
  return peers
    .slice()
    .sort((a, b) => b[by] - a[by] || b.bytes - a.bytes || (a.ip < b.ip ? -1 : 1))
    .slice(0, n);
}
