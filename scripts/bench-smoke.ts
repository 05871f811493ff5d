/**
 * npm run bench:smoke — runs every `bench:*` script of package.json at a smoke size (BENCH_SMOKE=1,
 * see bench/bench-size.ts), one after the other, each within a time limit, and fails if one exits
 * non-zero, runs out of time, or does not end with its line of figures as JSON. The figures are not
 * judged: this proves in CI that every benchmark still starts and finishes from a clean clone.
 * Prints a table of timings, then one JSON line.
 *
 *   npm run bench:smoke [-- bench:cases bench:detect]   only these
 *   BENCH_SMOKE_TIMEOUT=300                               seconds allowed per benchmark
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { report } from '../bench/report';

const ROOT = join(__dirname, '..');
const TIMEOUT_S = Number(process.env.BENCH_SMOKE_TIMEOUT ?? 300);
/** Output kept per benchmark: enough for the last line and a failure's story. */
const KEEP = 256 * 1024;

interface Run {
  script: string;
  ok: boolean;
  seconds: number;
  reason: string;
  /** The end of what it printed (stdout and stderr), shown when it failed. */
  tail: string;
}

/** The last non-empty line, if it is a JSON object. */
function lastJsonLine(out: string): Record<string, unknown> | null {
  const lines = out.trimEnd().split('\n');
  try {
    const v: unknown = JSON.parse(lines[lines.length - 1]);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function runOne(script: string): Promise<Run> {
  const started = process.hrtime.bigint();
  // Its own process group, so that a time-out also stops what the benchmark started.
  const child = spawn('npm', ['run', '-s', script], {
    cwd: ROOT,
    env: { ...process.env, BENCH_SMOKE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let both = '';
  const keep = (s: string, d: string) => (s.length + d.length > KEEP ? (s + d).slice(-KEEP) : s + d);
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout = keep(stdout, d);
    both = keep(both, d);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (both = keep(both, d)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, TIMEOUT_S * 1000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
      const json = lastJsonLine(stdout);
      const reason = timedOut
        ? `no end within ${TIMEOUT_S} s`
        : code !== 0
          ? `exit ${code ?? signal}`
          : json === null
            ? 'the last line printed is not its figures as JSON'
            : '';
      resolve({ script, ok: reason === '', seconds, reason, tail: both.split('\n').slice(-40).join('\n') });
    });
  });
}

async function main(): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const all = Object.keys(pkg.scripts).filter((s) => s.startsWith('bench:') && s !== 'bench:smoke');
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((s) => !all.includes(s));
  if (unknown.length) throw new Error(`no such benchmark script: ${unknown.join(', ')}`);
  const scripts = wanted.length ? wanted : all;

  const runs: Run[] = [];
  for (const script of scripts) {
    console.log(`-- ${script} (BENCH_SMOKE=1, limit ${TIMEOUT_S} s)`);
    const r = await runOne(script);
    runs.push(r);
    console.log(r.ok ? `   ok in ${r.seconds} s` : `   FAILED after ${r.seconds} s: ${r.reason}\n${r.tail}`);
  }
  report(
    'bench-smoke',
    runs.map((r) => ({ script: r.script, result: r.ok ? 'ok' : r.reason, seconds: r.seconds })),
  );
  const failed = runs.filter((r) => !r.ok);
  if (failed.length) {
    console.error(`bench:smoke: ${failed.map((r) => `${r.script} (${r.reason})`).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
