import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATAGRAM_BYTES } from './udp-sender';

export interface Sent {
  records: number;
  /** CPU the sender used (ms), from its own getrusage / process.cpuUsage. */
  cpuMs: number;
}

/** bench/udp-blast.c compiled once per run; null when there is no C compiler. */
let blastBin: string | null | undefined;
function compiled(): string | null {
  if (blastBin !== undefined) return blastBin;
  const bin = join(mkdtempSync(join(tmpdir(), 'udp-blast-')), 'udp-blast');
  const cc = spawnSync('cc', ['-O2', '-o', bin, join(__dirname, 'udp-blast.c')], { encoding: 'utf8' });
  if (cc.status !== 0) {
    console.warn(`no C sender (${cc.error?.message ?? cc.stderr.trim()}); sending from Node`);
    return (blastBin = null);
  }
  return (blastBin = bin);
}

/**
 * The sending process for a pool of NetFlow v5 datagrams (30 records, DATAGRAM_BYTES each; the
 * pool is built on first use): bench/udp-blast.c (sendmmsg) when a C compiler is there, else the
 * same datagrams from Node (udp-sender.ts), whose dgram costs ~14 us of CPU per datagram that the
 * collector under test then lacks on these 2 cores. Sends at `perSec` records/s for `seconds`.
 */
export function udpSender(makePool: () => Buffer[]): (port: number, perSec: number, seconds: number) => Promise<Sent> {
  let pool: string | undefined;
  return (port, perSec, seconds) => {
    if (!pool) {
      pool = join(mkdtempSync(join(tmpdir(), 'udp-pool-')), 'pool.bin');
      writeFileSync(pool, Buffer.concat(makePool()));
    }
    const bin = compiled();
    const [cmd, args] = bin
      ? [bin, [pool, String(DATAGRAM_BYTES), String(port), String(perSec), String(seconds)]]
      : [
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            '-r',
            'tsconfig-paths/register',
            join(__dirname, 'udp-sender.ts'),
            String(port),
            String(perSec),
            String(seconds),
            pool,
          ],
        ];
    return new Promise((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as Sent) : reject(new Error(`sender exit ${code}`)),
      );
    });
  };
}
