/**
 * A/B benchmark of the detection engine in one run: A = libs/detection/src/engine as of a base
 * commit (AB_BASE, default HEAD: an uncommitted change against the last commit), written from git into a temporary folder and loaded with
 * ts-node; B = the working tree. Both run bench:detect's throughput and latency parts
 * (bench/detect-core.bench.ts, each part in a fresh process) interleaved A, B, A, B, ... AB_PAIRS
 * times, on the same flow library and workload. Prints per-run figures, then the medians (records/s
 * of wall and of CPU time — steadier on a shared machine —, findings — which must be equal unless
 * AB_EXPECT_CHANGE=1 says the change is meant to alter them —, RSS
 * per active VM, latency p50/p99) and, last, one JSON line.
 *
 * npm run bench:ab   (AB_BASE=<commit>, AB_EXPECT_CHANGE=1, AB_PAIRS=n (default 3; 1 under BENCH_SMOKE), ROUNDS=n as in bench:detect)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_SMOKE, benchSize } from './bench-size';
import { runPart } from './detect-core.bench';

const ENGINE = 'libs/detection/src/engine';
// The default is HEAD, not a fixed commit: a fixed base falls behind, and once a later change is
// meant to find more (a new rule) every run against it reports different findings.
const BASE = process.env.AB_BASE || 'HEAD';
const EXPECT_CHANGE = process.env.AB_EXPECT_CHANGE === '1';
const PAIRS = Math.max(1, Number(process.env.AB_PAIRS ?? benchSize(3, 1)));
const REPO = resolve(__dirname, '..');

const git = (...args: string[]): string =>
  execFileSync('git', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26 });

/** Writes the engine folder of `commit` (non-test .ts files) into a new temporary folder. */
function checkoutEngine(commit: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sg-detect-ab-'));
  const engineDir = join(dir, ENGINE);
  mkdirSync(engineDir, { recursive: true });
  const files = git('ls-tree', '--name-only', `${commit}:${ENGINE}`)
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  if (files.length === 0) throw new Error(`no engine files at ${commit}:${ENGINE}`);
  for (const f of files) writeFileSync(join(engineDir, f), git('show', `${commit}:${ENGINE}/${f}`));
  return dir;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Run {
  side: 'A' | 'B';
  recordsPerSec: number;
  recordsPerCpuSec: number;
  findings: number;
  evaluations: number;
  rssBytesPerVm: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMissed: number;
  latencyRecordsPerSec: number;
}

function run(side: 'A' | 'B', engineDir: string): Run {
  const env = { DETECT_ENGINE_DIR: engineDir };
  const t = runPart('throughput', env);
  const l = runPart('latency', env);
  const r: Run = {
    side,
    recordsPerSec: t.recordsPerSec,
    recordsPerCpuSec: t.recordsPerCpuSec,
    findings: t.findings,
    evaluations: t.evaluations,
    rssBytesPerVm: t.rssBytesPerVm,
    latencyP50Ms: l.latencyP50Ms,
    latencyP99Ms: l.latencyP99Ms,
    latencyMissed: l.latencyMissed,
    latencyRecordsPerSec: l.latencyRecordsPerSec,
  };
  console.error(`${side}: ${JSON.stringify(r)}`);
  return r;
}

function main(): void {
  let baseSha: string;
  try {
    baseSha = git('rev-parse', '--short', `${BASE}^{commit}`).trim();
  } catch {
    // A shallow clone may not hold the base: a smoke run compares HEAD with itself instead.
    if (!BENCH_SMOKE)
      throw new Error(`AB_BASE ${BASE} is not in this clone: fetch it (git fetch --unshallow) or set AB_BASE`);
    console.error(`AB_BASE ${BASE} is not in this clone: smoke run compares HEAD with itself`);
    baseSha = git('rev-parse', '--short', 'HEAD').trim();
  }
  const headSha = git('rev-parse', '--short', 'HEAD').trim();
  const dirty = git('status', '--porcelain', '--', ENGINE).trim() !== '';
  const tmp = checkoutEngine(baseSha);
  const runs: Run[] = [];
  try {
    for (let k = 0; k < PAIRS; k++) {
      runs.push(run('A', join(tmp, ENGINE)));
      runs.push(run('B', join(REPO, ENGINE)));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const keys = [
    'recordsPerSec',
    'recordsPerCpuSec',
    'findings',
    'evaluations',
    'rssBytesPerVm',
    'latencyP50Ms',
    'latencyP99Ms',
    'latencyMissed',
    'latencyRecordsPerSec',
  ] as const;
  const med = (side: 'A' | 'B') =>
    Object.fromEntries(keys.map((k) => [k, median(runs.filter((r) => r.side === side).map((r) => r[k]))])) as Record<
      (typeof keys)[number],
      number
    >;
  const a = med('A');
  const b = med('B');
  const findingsEqual = runs.every((r) => r.findings === runs[0].findings);
  console.log(`\nA = ${ENGINE} at ${baseSha}; B = working tree (HEAD ${headSha}${dirty ? ', modified' : ''})`);
  console.table(runs);
  console.log(`medians of ${PAIRS} runs each (ROUNDS=${process.env.ROUNDS ?? benchSize(40, 1)})`);
  console.table(
    keys.map((k) => ({
      figure: k,
      A: a[k],
      B: b[k],
      'B/A': a[k] ? Math.round((b[k] / a[k]) * 1000) / 1000 : '',
    })),
  );
  console.log(findingsEqual ? 'findings equal in every run' : 'FINDINGS DIFFER between runs');
  console.log(
    JSON.stringify({
      bench: 'detect-ab',
      at: new Date().toISOString(),
      node: process.version,
      base: baseSha,
      head: headSha,
      dirty,
      pairs: PAIRS,
      rounds: Number(process.env.ROUNDS ?? benchSize(40, 1)),
      findingsEqual,
      A: a,
      B: b,
      runs,
    }),
  );
  if (!findingsEqual && !EXPECT_CHANGE) process.exitCode = 1;
}

main();
