/**
 * Child process of bench/ingest.bench.ts: sends NetFlow v5 datagrams (30 records each, sequence
 * numbers counting flows, as v5 does) to 127.0.0.1:PORT at RATE records/s for SECONDS, then
 * prints what it sent as JSON. Runs apart from the collector so the two do not share a core.
 *   node -r ts-node/register/transpile-only bench/udp-sender.ts PORT RATE SECONDS
 */
import { createSocket } from 'node:dgram';
import { buildNetflowV5 } from '../libs/flows/src/netflow/netflow-packet.builder';

const [port, rate, seconds] = process.argv.slice(2).map(Number);
const PER = 30;
const POOL = 4096;
let seed = 7;
const pick = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
const vm = () => `10.${(pick(100_000) >> 16) & 255}.${(pick(100_000) >> 8) & 255}.${pick(256)}`;
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
        process.stdout.write(JSON.stringify({ datagrams: sent, records: sent * PER }) + '\n');
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
