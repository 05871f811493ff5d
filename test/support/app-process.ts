import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './redis-server';

const ROOT = join(__dirname, '..', '..');
/** The built entry point (`npm run build`; .ci/run builds before the tests). */
export const APP_MAIN = join(ROOT, 'dist', 'apps', 'safeguards', 'src', 'main.js');

export interface AppProcess {
  name: string;
  pid: number;
  /** http://127.0.0.1:<port> of its /healthz, /metrics (and the API with the api role). */
  url: string;
  ports: { http: number; netflow: number; sflow: number };
  /** When it was spawned (Date.now()). */
  startedAt: number;
  /** Signals the process and waits for it to exit. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  /** SIGTERM (a graceful shutdown), SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
  /** utime + stime of the process so far (all its threads), ms. */
  cpuMs: () => number;
  /** Its /metrics, parsed. */
  metrics: () => Promise<Metrics>;
  /** The end of what it printed (for failure messages). */
  output: () => string;
  exited: boolean;
}

/**
 * A Safeguards process from the built dist (`node dist/apps/safeguards/src/main.js`) with the given
 * ROLES and environment, on free ports of its own (HTTP, NetFlow, sFlow, inbound SMTP). Resolves
 * once GET `readyPath` answers 200; rejects with its output if it exits first or takes too long.
 * Real child processes, so a test can SIGKILL one as a machine failure would.
 */
export async function startAppProcess(opts: {
  name: string;
  roles: string;
  env: Record<string, string>;
  readyPath?: string;
  timeoutMs?: number;
}): Promise<AppProcess> {
  if (!existsSync(APP_MAIN)) throw new Error(`${APP_MAIN} is missing: run \`npm run build\` first`);
  const ports = { http: await freePort(), netflow: await freePort(), sflow: await freePort() };
  const startedAt = Date.now();
  const child: ChildProcess = spawn(process.execPath, [APP_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      MIGRATIONS_RUN: 'false',
      DATABASE_POOL_SIZE: '4',
      INBOUND_SMTP_PORT: String(await freePort()),
      ...opts.env,
      ROLES: opts.roles,
      PORT: String(ports.http),
      NETFLOW_PORT: String(ports.netflow),
      SFLOW_PORT: String(ports.sflow),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-32768));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${ports.http}`;
  const p: AppProcess = {
    name: opts.name,
    pid: child.pid!,
    url,
    ports,
    startedAt,
    exited: false,
    kill: async (signal = 'SIGKILL') => {
      if (!p.exited) child.kill(signal);
      await exit;
    },
    stop: async (graceMs = 15_000) => {
      if (p.exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(t);
    },
    cpuMs: () => processCpuMs(child.pid!),
    metrics: async () => {
      // A few tries: on a loaded machine a scrape can time out without anything being wrong.
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${opts.env.ADMIN_TOKEN}` } });
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          return parseMetrics(await res.text());
        } catch (err) {
          if (attempt < 3 && !p.exited) {
            await new Promise((r) => setTimeout(r, 500));
            continue;
          }
          throw new Error(
            `${opts.name}: GET /metrics: ${(err as Error).message}${p.exited ? ` (exited)\n${out}` : ''}`,
          );
        }
      }
    },
    output: () => out,
  };
  void exit.then(() => (p.exited = true));
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (p.exited) throw new Error(`${opts.name} exited during start-up:\n${out}`);
    try {
      const res = await fetch(url + (opts.readyPath ?? '/healthz'));
      await res.text();
      if (res.status === 200) return p;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await p.kill();
      throw new Error(`${opts.name} not ready after ${opts.timeoutMs ?? 60_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** utime + stime of a process, ms (Linux /proc; USER_HZ is 100 on Linux). 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** Prometheus text, as samples; `sum` adds up the samples of a name whose labels include `where`. */
export class Metrics {
  constructor(readonly samples: { name: string; labels: Record<string, string>; value: number }[]) {}

  sum(name: string, where: Record<string, string> = {}): number {
    let s = 0;
    for (const x of this.samples)
      if (x.name === name && Object.entries(where).every(([k, v]) => x.labels[k] === v)) s += x.value;
    return s;
  }

  has(name: string): boolean {
    return this.samples.some((x) => x.name === name);
  }
}

export function parseMetrics(text: string): Metrics {
  const samples: Metrics['samples'] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return new Metrics(samples);
}
