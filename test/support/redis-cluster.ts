import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canConnect } from './redis-server';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '../../scripts/redis-cluster.sh');

/**
 * A throw-away 3-master Redis Cluster (scripts/redis-cluster.sh, Debian's redis-server) on free
 * ports; `nodes` is the REDIS_CLUSTER value. Each node also needs its bus port (port + 10000).
 */
export async function startRedisCluster(): Promise<{ nodes: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-redis-cluster-'));
  for (let attempt = 0; attempt < 20; attempt++) {
    // Node and bus ports below Linux's ephemeral range (32768+), so no outgoing connection holds one.
    const base = 12000 + Math.floor(Math.random() * 10000);
    const ports = [base, base + 1, base + 2].flatMap((p) => [p, p + 10000]);
    if ((await Promise.all(ports.map(canConnect))).some(Boolean)) continue;
    const { stdout } = await run(SCRIPT, ['start', dir, String(base)], { timeout: 30_000 });
    return {
      nodes: stdout.trim().split('\n').pop()!,
      stop: async () => {
        await run(SCRIPT, ['stop', dir, String(base)], { timeout: 30_000 });
      },
    };
  }
  throw new Error('no free ports for a Redis Cluster');
}
