/**
 * The UDP part of bench/ingest.bench.ts sends NetFlow v5 datagrams (30 records each, sequence
 * numbers counting flows, as v5 does) from a separate process. This file builds them:
 *  - `udp-sender.ts pool FILE` writes the datagram pool to FILE for the C sender (udp-blast.c),
 *    which the bench uses when a C compiler is there;
 *  - `udp-sender.ts PORT RATE SECONDS [POOL_FILE]` sends them (or a pool file's) itself (the fallback; Node's dgram costs about
 *    14 us of CPU per datagram, which the collectors under test then lack).
 * Either prints what it sent as JSON: {datagrams, records, cpuMs}.
 */
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildNetflowV5 } from '../libs/flows/src/netflow/netflow-packet.builder';

export const PER = 30;
export const DATAGRAM_BYTES = 24 + 48 * PER;
const POOL = 4096;

/** A pool file: datagrams of DATAGRAM_BYTES laid end to end. */
function readPool(file: string): Buffer[] {
  const all = readFileSync(file);
  const out: Buffer[] = [];
  for (let o = 0; o + DATAGRAM_BYTES <= all.length; o += DATAGRAM_BYTES) out.push(all.subarray(o, o + DATAGRAM_BYTES));
  return out;
}

/**
 * The datagram pool: each record between a VM address (by default one of 10.0.0.0 + 0..100,000,
 * or `vmAddress(pick)` with the pool's seeded random `pick(n)`) and an outside address.
 */
export function buildPool(
  vmAddress: (pick: (n: number) => number) => string = (pick) =>
    `10.${(pick(100_000) >> 16) & 255}.${(pick(100_000) >> 8) & 255}.${pick(256)}`,
): Buffer[] {
  let seed = 7;
  const pick = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
  const vm = () => vmAddress(pick);
  const ext = () => `${[52, 198, 203][pick(3)]}.${pick(256)}.${pick(256)}.${1 + pick(254)}`;
  const secs = Math.floor(Date.now() / 1000);
  const pool: Buffer[] = [];
  for (let d = 0; d < POOL; d++) {
    const flows = Array.from({ length: PER }, () => {
      const out = pick(2) === 0;
      return {
        src: out ? vm() : ext(),
        dst: out ? ext() : vm(),
        srcPort: 1024 + pick(60000),
        dstPort: [22, 80, 443, 53][pick(4)],
        proto: 6,
        tcpFlags: 0x1b,
        packets: 1 + pick(100),
        bytes: 60 + pick(100_000),
        first: 1_000_000 - pick(30_000),
        last: 1_000_000,
      };
    });
    pool.push(buildNetflowV5({ sysUptime: 1_000_000, unixSecs: secs }, flows));
  }
  return pool;
}

function send(port: number, rate: number, seconds: number, poolFile?: string): void {
  const pool = poolFile ? readPool(poolFile) : buildPool();
  const POOL = pool.length;
  const sock = createSocket('udp4');
  sock.connect(port, '127.0.0.1', () => {
    const datagramsPerMs = rate / PER / 1000;
    const start = process.hrtime.bigint();
    const endNs = BigInt(Math.round(seconds * 1e9));
    let sent = 0;
    let seq = 0;
    const pump = () => {
      const elapsed = process.hrtime.bigint() - start;
      if (elapsed >= endNs) {
        // Give the socket time to drain before reporting.
        setTimeout(() => {
          const c = process.cpuUsage();
          const cpuMs = Math.round((c.user + c.system) / 1000);
          process.stdout.write(JSON.stringify({ datagrams: sent, records: sent * PER, cpuMs }) + '\n');
          sock.close();
        }, 200);
        return;
      }
      const due = Math.floor((Number(elapsed) / 1e6) * datagramsPerMs);
      let burst = 0;
      while (sent < due && burst < 256) {
        const b = pool[sent % POOL];
        b.writeUInt32BE(seq >>> 0, 16);
        seq += PER;
        sock.send(b);
        sent++;
        burst++;
      }
      setImmediate(pump);
    };
    pump();
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === 'pool') writeFileSync(args[1], Buffer.concat(buildPool()));
  else send(Number(args[0]), Number(args[1]), Number(args[2]), args[3]);
}
