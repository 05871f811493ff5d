import type { ValueTransformer } from 'typeorm';

/** bigint columns that hold durations or counts well inside 2^53: read back as numbers, not strings. */
export const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};
