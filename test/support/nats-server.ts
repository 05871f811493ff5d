import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort } from './redis-server';

export interface TestNatsServer {
  url: string;
  port: number;
  /** JetStream's store directory (kept across restart()). */
  storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  stop: () => Promise<void>;
  /** Stops it and removes its store. */
  destroy: () => Promise<void>;
}

/**
 * A throw-away nats-server (Debian's /usr/sbin/nats-server) with JetStream on a free port and a
 * fresh store directory; `config` is extra server configuration (e.g. subject mappings).
 */
export async function startNatsServer(
  opts: { config?: string; storeDir?: string; port?: number } = {},
): Promise<TestNatsServer> {
  const port = opts.port ?? (await freePort());
  const storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'sg-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
  if (opts.config) {
    const file = join(storeDir, 'extra.conf');
    writeFileSync(file, opts.config);
    args.push('-c', file);
  }
  const proc: ChildProcess = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`nats-server did not start on ${port}: ${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    destroy: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
