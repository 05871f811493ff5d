/**
 * Benchmark sizes. `npm run bench:smoke` runs every benchmark with BENCH_SMOKE=1: tiny sizes that
 * take seconds and only prove the benchmark starts, runs each part and prints its figures (which
 * are not judged). Every benchmark takes its sizes from here: `const VMS = benchSize(100_000, 1_000)`.
 */
export const BENCH_SMOKE = process.env.BENCH_SMOKE === '1';

/** The full size, or the smoke size under BENCH_SMOKE=1. */
export function benchSize(full: number, smoke: number): number {
  return BENCH_SMOKE ? smoke : full;
}
