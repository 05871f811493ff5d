/**
 * Decode-only throughput of the NetFlow v5 / v9 / IPFIX collector on one core: datagrams are
 * built in memory, fed to NetflowCollector.handle(), and records land in a reused FlowBatch whose
 * consumer does nothing. Prints a table, then (last line) the same figures as one JSON object.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/netflow-decode.bench.ts [seconds]
 */
// Direct imports keep the Nest parts of @sg/flows out of a pure decode measurement.
import { FlowBatch } from '../libs/flows/src/flow-batch';
import { NetflowCollector } from '../libs/flows/src/netflow/netflow-collector';
import {
  buildNetflowV5,
  type FieldSpec,
  TemplatedPacketBuilder,
} from '../libs/flows/src/netflow/netflow-packet.builder';
import { benchSize } from './bench-size';

const SECONDS = Number(process.argv[2] ?? benchSize(3, 0.2));
const DISTINCT = 512;
const SECS = Math.floor(Date.now() / 1000);

/** softflowd's IPv4 template with -A milli (48-byte records, 29 per 1428-byte datagram). */
const SOFTFLOWD_V4: FieldSpec[] = [
  [8, 4],
  [12, 4],
  [152, 8],
  [153, 8],
  [1, 4],
  [2, 4],
  [10, 4],
  [14, 4],
  [7, 2],
  [11, 2],
  [4, 1],
  [6, 1],
  [60, 1],
  [5, 1],
];
/** softflowd's v9 IPv4 template without -A: sysUptime times. */
const SOFTFLOWD_V9: FieldSpec[] = [
  [8, 4],
  [12, 4],
  [22, 4],
  [21, 4],
  [1, 4],
  [2, 4],
  [10, 4],
  [14, 4],
  [61, 1],
  [136, 1],
  [7, 2],
  [11, 2],
  [4, 1],
  [6, 1],
  [60, 1],
  [5, 1],
];

let seed = 42;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
}
const ip = (): string => `10.${rnd(256)}.${rnd(256)}.${rnd(256)}`;

interface Format {
  name: string;
  setup: Buffer[];
  datagrams: Buffer[];
  recordsPer: number;
}

function v5(): Format {
  const datagrams: Buffer[] = [];
  for (let d = 0; d < DISTINCT; d++) {
    const flows = Array.from({ length: 30 }, () => ({
      src: ip(),
      dst: ip(),
      srcPort: 1024 + rnd(60000),
      dstPort: [22, 53, 80, 443][rnd(4)],
      proto: rnd(2) ? 6 : 17,
      tcpFlags: 0x1b,
      packets: 1 + rnd(1000),
      bytes: 40 + rnd(1_000_000),
      first: 1_000_000 - rnd(60_000),
      last: 1_000_000,
    }));
    datagrams.push(buildNetflowV5({ sysUptime: 1_000_000, unixSecs: SECS, sequence: d * 30 }, flows));
  }
  return { name: 'netflow-v5', setup: [], datagrams, recordsPer: 30 };
}

function templated(version: 9 | 10, fields: FieldSpec[], perDatagram: number): Format {
  const known = new Map<number, FieldSpec[]>();
  const setup = [
    new TemplatedPacketBuilder(version, known).template(1024, fields).build({ exportSecs: SECS, sysUptime: 1_000_000 }),
  ];
  const datagrams: Buffer[] = [];
  for (let d = 0; d < DISTINCT; d++) {
    const rows = Array.from({ length: perDatagram }, () => {
      const t = SECS * 1000 - rnd(60_000);
      const proto = rnd(2) ? 6 : 17;
      const row = [ip(), ip(), t, t + rnd(5000), 40 + rnd(1_000_000), 1 + rnd(1000), 1, 1];
      if (version === 9) {
        row[2] = 1_000_000 - rnd(60_000);
        row[3] = 1_000_000;
        row.push(0, 2);
      }
      row.push(1024 + rnd(60000), [22, 53, 80, 443][rnd(4)], proto, proto === 6 ? 0x1b : 0, 4, 0);
      return row;
    });
    datagrams.push(
      new TemplatedPacketBuilder(version, known)
        .data(1024, rows)
        .build({ exportSecs: SECS, sysUptime: 1_000_000, sequence: d * perDatagram }),
    );
  }
  return { name: version === 10 ? 'ipfix' : 'netflow-v9', setup, datagrams, recordsPer: perDatagram };
}

interface Result {
  format: string;
  recordsPerDatagram: number;
  datagramBytes: number;
  records: number;
  seconds: number;
  /** Median over half-second rounds: other processes on the machine disturb single rounds. */
  recordsPerSec: number;
  bestRecordsPerSec: number;
  datagramsPerSec: number;
  mbitPerSec: number;
}

const ROUND_NS = BigInt(benchSize(500_000_000, 50_000_000));

function run(f: Format): Result {
  let sink = 0;
  const batch = new FlowBatch(4096, (b) => {
    sink += b.length;
  });
  const collector = new NetflowCollector(batch);
  for (const s of f.setup) collector.handle(s, '192.0.2.1');
  const n = f.datagrams.length;
  const bytes = f.datagrams.reduce((a, b) => a + b.length, 0) / n;
  // Warm-up: let the JIT settle before timing.
  for (let k = 0; k < 20_000; k++) collector.handle(f.datagrams[k % n], '192.0.2.1');
  const rates: number[] = [];
  let datagrams = 0;
  let records = 0;
  let elapsedNs = 0n;
  const rounds = Math.max(3, Math.round(SECONDS * 2));
  for (let round = 0; round < rounds; round++) {
    const before = collector.stats.records;
    const start = process.hrtime.bigint();
    let now = start;
    let sent = 0;
    while (now - start < ROUND_NS) {
      for (let k = 0; k < 1000; k++) collector.handle(f.datagrams[(datagrams + sent++) % n], '192.0.2.1');
      now = process.hrtime.bigint();
    }
    const got = collector.stats.records - before;
    rates.push(got / (Number(now - start) / 1e9));
    datagrams += sent;
    records += got;
    elapsedNs += now - start;
  }
  collector.flush();
  if (collector.stats.rejectedTotal() > 0 || sink === 0) throw new Error(`${f.name}: unexpected rejections`);
  rates.sort((a, b) => a - b);
  const seconds = Number(elapsedNs) / 1e9;
  const median = rates[rates.length >> 1];
  return {
    format: f.name,
    recordsPerDatagram: f.recordsPer,
    datagramBytes: Math.round(bytes),
    records,
    seconds: Math.round(seconds * 100) / 100,
    recordsPerSec: Math.round(median),
    bestRecordsPerSec: Math.round(rates[rates.length - 1]),
    datagramsPerSec: Math.round(median / f.recordsPer),
    mbitPerSec: Math.round(((median / f.recordsPer) * bytes * 8) / 1e6),
  };
}

const results = [v5(), templated(10, SOFTFLOWD_V4, 29), templated(9, SOFTFLOWD_V9, 27)].map(run);
const pad = (s: string | number, w: number): string => String(s).padStart(w);
console.log(
  `NetFlow decode benchmark (node ${process.version}, ${SECONDS}s per format, one core; records/s = median round)`,
);
console.log(
  `${'format'.padEnd(12)}${pad('rec/dgram', 10)}${pad('bytes', 7)}${pad('records/s', 13)}${pad('best rec/s', 13)}${pad('dgrams/s', 11)}${pad('Mbit/s', 8)}`,
);
for (const r of results) {
  console.log(
    `${r.format.padEnd(12)}${pad(r.recordsPerDatagram, 10)}${pad(r.datagramBytes, 7)}${pad(r.recordsPerSec.toLocaleString('en-US'), 13)}${pad(r.bestRecordsPerSec.toLocaleString('en-US'), 13)}${pad(r.datagramsPerSec.toLocaleString('en-US'), 11)}${pad(r.mbitPerSec, 8)}`,
  );
}
console.log(JSON.stringify({ bench: 'netflow-decode', node: process.version, seconds: SECONDS, results }));
