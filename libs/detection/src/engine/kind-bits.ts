import { KIND_INDEX } from '@sg/queues/finding-vocabulary';

/**
 * Finding kinds as bits (bit KIND_INDEX[kind]) and as indexes, for the per-track masks of the
 * engine: sample buffers, eager triggers, active incidents (TrackStore.activeKinds).
 */
export const KIND_BIT_SCAN = 1 << KIND_INDEX['port-scan'];
export const KIND_BIT_BRUTE = 1 << KIND_INDEX['brute-force'];
export const KIND_BIT_FLOOD = 1 << KIND_INDEX.flood;
export const KIND_BIT_AMP = 1 << KIND_INDEX.amplification;
export const KIND_BIT_SPAM = 1 << KIND_INDEX.spam;
export const KIND_BIT_INTEL = 1 << KIND_INDEX['malicious-peer'];
export const KIND_BIT_MINING = 1 << KIND_INDEX.mining;
/** Every kind's bit (bits 0-6). */
export const ALL_KINDS = 0x7f;

/** Kind indexes (the eager trigger's `mark(track, k, level)`). */
export const K_SCAN = KIND_INDEX['port-scan'];
export const K_BRUTE = KIND_INDEX['brute-force'];
export const K_FLOOD = KIND_INDEX.flood;
export const K_AMP = KIND_INDEX.amplification;
export const K_SPAM = KIND_INDEX.spam;
export const K_INTEL = KIND_INDEX['malicious-peer'];
export const K_MINING = KIND_INDEX.mining;
