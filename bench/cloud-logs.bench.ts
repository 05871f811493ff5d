/**
 * Parse throughput on one core for the cloud flow logs and sFlow, records landing in a reused
 * FlowBatch whose consumer only counts them:
 * - AWS VPC: ~1,000,000 realistic default-format lines (some IPv6, REJECT, NODATA) generated into
 *   one Buffer first, then parsed in 64 KB chunks. Target >= 1,000,000 lines/s.
 * - Azure NSG v2: a generated JSON document of the same order, in 64 KB chunks (tuples/s).
 * - sFlow v5: 1,400-byte-class datagrams of 7 raw-header flow samples (IPv4/IPv6, some VLAN).
 * Prints a table, then (last line) the same figures as one JSON object.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/cloud-logs.bench.ts [runs]
 */
import { FlowBatch } from '@sg/flows';
import { AwsVpcParser } from '../libs/flows/src/aws-vpc/aws-vpc.parser';
import { AzureFlowLogParser } from '../libs/flows/src/azure/azure-flow-log.parser';
import { SflowDecoder } from '../libs/flows/src/sflow/sflow.decoder';
import { benchSize } from './bench-size';
import { report } from './report';

const RUNS = Number(process.argv[2] ?? benchSize(5, 1));
const CHUNK = 64 * 1024;
const AWS_LINES = benchSize(1_000_000, 5_000);
const NSG_TUPLES = benchSize(500_000, 10_000);
const SFLOW_DATAGRAMS = benchSize(20_000, 200);
const SFLOW_SAMPLES_PER_DATAGRAM = 7;
const T0 = 1714557600;

let seed = 20240501;
const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = (n: number): number => Math.floor(rnd() * n);
const ip4 = (): string => `${[10, 172, 52, 203][pick(4)]}.${pick(256)}.${pick(256)}.${1 + pick(254)}`;
const ip6 = (): string => `2001:db8:${pick(65536).toString(16)}::${pick(65536).toString(16)}`;

export function awsText(): Buffer {
  const parts: string[] = [
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  ];
  for (let k = 0; k < AWS_LINES; k++) {
    const start = T0 + Math.floor(k / 2000);
    const eni = `eni-0${(0x100000 + pick(0xeffff)).toString(16)}f79e785ca`;
    if (k % 1000 === 999) {
      parts.push(`2 123456789012 ${eni} - - - - - - - ${start} ${start + 60} - NODATA`);
      continue;
    }
    const v6 = k % 100 === 0;
    const tcp = rnd() < 0.7;
    const packets = 1 + pick(tcp ? 200 : 20);
    parts.push(
      `2 123456789012 ${eni} ${v6 ? ip6() : ip4()} ${v6 ? ip6() : ip4()} ${pick(65536)} ${[22, 80, 443, 53, 3389][pick(5)]} ` +
        `${tcp ? 6 : 17} ${packets} ${packets * (40 + pick(1400))} ${start} ${start + pick(60)} ` +
        `${rnd() < 0.9 ? 'ACCEPT' : 'REJECT'} OK`,
    );
  }
  return Buffer.from(parts.join('\n') + '\n', 'latin1');
}

export function nsgJson(): Buffer {
  const records: string[] = [];
  const perRecord = 5000;
  for (let r = 0; r < NSG_TUPLES / perRecord; r++) {
    const tuples: string[] = [];
    for (let k = 0; k < perRecord; k++) {
      const t = T0 + r * 60 + pick(60);
      const state = ['B', 'C', 'E'][pick(3)];
      const counters = state === 'B' ? ',,,' : `${1 + pick(50)},${40 + pick(60000)},${pick(50)},${pick(60000)}`;
      tuples.push(
        `"${t},10.0.0.${1 + pick(250)},${ip4()},${pick(65536)},${[22, 443][pick(2)]},T,O,A,${state},${counters}"`,
      );
    }
    records.push(
      `{"time":"2024-05-01T10:00:00Z","category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,` +
        `"flows":[{"rule":"DefaultRule_AllowInternetOutBound","flows":[{"mac":"000D3A89E489","flowTuples":[${tuples.join(',')}]}]}]}}`,
    );
  }
  return Buffer.from(`{"records":[${records.join(',')}]}`, 'latin1');
}

export function sflowDatagrams(): Buffer[] {
  const out: Buffer[] = [];
  for (let d = 0; d < SFLOW_DATAGRAMS; d++) {
    const samples: Buffer[] = [];
    for (let s = 0; s < SFLOW_SAMPLES_PER_DATAGRAM; s++) {
      const v6 = s === 6;
      const vlan = s % 2 === 0;
      const l4 = Buffer.alloc(20);
      l4.writeUInt16BE(pick(65536), 0);
      l4.writeUInt16BE(443, 2);
      l4[12] = 0x50;
      l4[13] = 0x10;
      let ip: Buffer;
      if (v6) {
        ip = Buffer.alloc(40);
        ip[0] = 0x60;
        ip[6] = 6;
        ip.writeUInt32BE(0x20010db8, 8);
        ip.writeUInt32BE(pick(2 ** 32), 20);
        ip.writeUInt32BE(0x20010db8, 24);
        ip.writeUInt32BE(pick(2 ** 32), 36);
      } else {
        ip = Buffer.alloc(20);
        ip[0] = 0x45;
        ip[9] = 6;
        ip.writeUInt32BE(0x0a000000 + pick(1 << 16), 12);
        ip.writeUInt32BE(pick(2 ** 32), 16);
      }
      const eth = Buffer.concat([
        Buffer.alloc(12, 0xaa),
        vlan ? Buffer.from([0x81, 0x00, 0x00, 0x0a]) : Buffer.alloc(0),
        Buffer.from(v6 ? [0x86, 0xdd] : [0x08, 0x00]),
        ip,
        l4,
        Buffer.alloc(128 - 14 - ip.length - 20 - (vlan ? 4 : 0)),
      ]);
      const rec = Buffer.alloc(8 + 16);
      rec.writeUInt32BE(1, 0);
      rec.writeUInt32BE(16 + eth.length, 4);
      rec.writeUInt32BE(1, 8);
      rec.writeUInt32BE(64 + pick(1450), 12);
      rec.writeUInt32BE(4, 16);
      rec.writeUInt32BE(eth.length, 20);
      const head = Buffer.alloc(8 + 32);
      head.writeUInt32BE(1, 0);
      head.writeUInt32BE(32 + rec.length + eth.length, 4);
      head.writeUInt32BE(d * 7 + s, 8);
      head.writeUInt32BE(3, 12);
      head.writeUInt32BE(1024, 16);
      head.writeUInt32BE(1, 36);
      samples.push(head, rec, eth);
    }
    const hdr = Buffer.alloc(28);
    hdr.writeUInt32BE(5, 0);
    hdr.writeUInt32BE(1, 4);
    hdr.writeUInt32BE(0xc0000201, 8);
    hdr.writeUInt32BE(d + 1, 16);
    hdr.writeUInt32BE(100_000 + d, 20);
    hdr.writeUInt32BE(SFLOW_SAMPLES_PER_DATAGRAM, 24);
    out.push(Buffer.concat([hdr, ...samples]));
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeRuns(fn: () => number): { seconds: number[]; units: number } {
  fn(); // warm-up: lets the JIT settle before measuring
  const seconds: number[] = [];
  let units = 0;
  for (let r = 0; r < RUNS; r++) {
    const t = process.hrtime.bigint();
    units = fn();
    seconds.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return { seconds, units };
}

function main(): void {
  let records = 0;
  const batch = new FlowBatch(4096, (b) => (records += b.length));
  const rows: Record<string, string | number>[] = [];

  const aws = awsText();
  const awsRun = timeRuns(() => {
    const p = new AwsVpcParser(batch);
    for (let o = 0; o < aws.length; o += CHUNK) p.write(aws.subarray(o, o + CHUNK));
    const r = p.end();
    if (r.rejected !== 0) throw new Error(`aws: ${JSON.stringify(r.errors.slice(0, 3))}`);
    return r.lines;
  });
  const awsS = median(awsRun.seconds);
  rows.push({
    case: 'aws-vpc text, 64 KB chunks',
    units: 'lines',
    count: awsRun.units,
    perSecond: Math.round(awsRun.units / awsS),
    mbPerSecond: Math.round(aws.length / awsS / 1e6),
    bestPerSecond: Math.round(awsRun.units / Math.min(...awsRun.seconds)),
  });

  const nsg = nsgJson();
  const nsgRun = timeRuns(() => {
    const p = new AzureFlowLogParser(batch);
    for (let o = 0; o < nsg.length; o += CHUNK) p.write(nsg.subarray(o, o + CHUNK));
    const r = p.end();
    if (r.rejected !== 0) throw new Error(`nsg: ${JSON.stringify(r.errors.slice(0, 3))}`);
    return r.accepted;
  });
  const nsgS = median(nsgRun.seconds);
  rows.push({
    case: 'azure nsg v2 json, 64 KB chunks',
    units: 'tuples',
    count: nsgRun.units,
    perSecond: Math.round(nsgRun.units / nsgS),
    mbPerSecond: Math.round(nsg.length / nsgS / 1e6),
    bestPerSecond: Math.round(nsgRun.units / Math.min(...nsgRun.seconds)),
  });

  const datagrams = sflowDatagrams();
  const sflowBytes = datagrams.reduce((n, d) => n + d.length, 0);
  const now = Date.now();
  const sflowRun = timeRuns(() => {
    const dec = new SflowDecoder(batch);
    for (let rep = 0; rep < 5; rep++) for (const d of datagrams) dec.decode(d, now);
    batch.flush();
    if (dec.stats.rejectedTotal() !== 0) throw new Error(`sflow: ${JSON.stringify([...dec.stats.rejected])}`);
    return dec.stats.records;
  });
  const sflowS = median(sflowRun.seconds);
  rows.push({
    case: `sflow v5, ${SFLOW_SAMPLES_PER_DATAGRAM} samples/datagram`,
    units: 'samples',
    count: sflowRun.units,
    perSecond: Math.round(sflowRun.units / sflowS),
    mbPerSecond: Math.round((5 * sflowBytes) / sflowS / 1e6),
    bestPerSecond: Math.round(sflowRun.units / Math.min(...sflowRun.seconds)),
  });

  if (records === 0) throw new Error('no records reached the consumer');
  report('cloud-logs', rows);
}

// Also imported by bench/ingest.bench.ts for its generators.
if (require.main === module) main();
