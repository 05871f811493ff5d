/**
 * Detection core benchmark, one core:
 * 1. throughput: records/s through per-VM windows and all detectors with 100,000 active VMs
 *    (both sides of each VM live, ~60 records per VM and minute, a 50,000-range threat list loaded);
 * 2. process RSS per active VM after that run;
 * 3. RSS under an inbound flood from 10,000,000 distinct spoofed sources to 6 VMs (SYN flood,
 *    reflected UDP from amplification ports, SYN-ACK reflection, and reflected NTP as cloud logs
 *    show it: denied, without counters), which must stay bounded;
 * 4. latency under the same load as 1: scans injected at every minute boundary, wall time from the
 *    process() call that carries each scan's threshold-crossing record to its onFinding call.
 * Targets: >= 1,000,000 records/s; total memory well under 1 GB; p99 latency < 1 s.
 * Each part runs in a fresh process, so each memory figure starts from a clean heap.
 *
 * node --expose-gc -r ts-node/register/transpile-only -r tsconfig-paths/register bench/detect-core.bench.ts
 * (bench/detect.bench.ts runs these parts too, with the detection-quality tables.)
 */
import { spawnSync } from 'node:child_process';
import { FlowAction, FlowBatch, RecordFlag } from '@sg/flows';
// The engine itself, not the package index (which also loads the Nest wrapper).
import { DetectionEngine } from '../libs/detection/src/engine/detection-engine';
import type { Finding } from '../libs/detection/src/engine/finding';
import { ThreatIntel } from '../libs/detection/src/engine/threat-intel';

const VMS = 100_000;
const BATCH = 16_384;
const BATCHES = 48; // 786k distinct records, replayed with moving timestamps
const ROUNDS = Number(process.env.ROUNDS ?? 40); // ~31M timed records
const RECORDS_PER_EVENT_SECOND = 100_000; // 1 record per VM per second of event time
const FLOOD_SOURCES = 10_000_000;
const FLOOD_VMS = 6;
const T0 = Date.UTC(2024, 5, 3, 8, 0, 0);

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
function settle(): void {
  if (gc) for (let k = 0; k < 3; k++) gc();
}

let seed = 0x2545f491;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

function vmAddr(slot: number): number {
  return (0x0a000000 + slot + 16) >>> 0;
}

/** A realistic record mix; times are relative (ms) and shifted before each replay. */
/**
 * SSH records of each batch: replaying the same batches every few seconds of event time would
 * otherwise repeat identical SSH sessions between the same two hosts several times a minute, which
 * is what automated password guessing looks like. Their sizes change with every replay instead.
 */
function sshRecords(b: FlowBatch): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < b.length; i++)
    if (b.proto[i] === 6 && (b.dstPort[i] === 22 || b.srcPort[i] === 22) && b.packets[i] >= 11) idx.push(i);
  return Int32Array.from(idx);
}

function varySsh(b: FlowBatch, idx: Int32Array, round: number): void {
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    b.packets[i] = 11 + (((round + 1) * 13 + k * 7) % 30);
    b.bytes[i] = b.packets[i] * 150;
  }
}

function buildBatches(spare = 0): { batches: FlowBatch[]; rel: Float64Array[] } {
  const externals = new Uint32Array(1 << 20);
  for (let i = 0; i < externals.length; i++) externals[i] = ((int(11, 223) << 24) | int(0, 0xffffff)) >>> 0;
  const services = [0x14002a5c, 0x0d6b2a0e, 0x8c527904, 0x9765014d, 0xa8ff8110 /* resolver */];
  const batches: FlowBatch[] = [];
  const rel: Float64Array[] = [];
  for (let bi = 0; bi < BATCHES; bi++) {
    const b = new FlowBatch(BATCH + spare);
    const r = new Float64Array(BATCH);
    for (let k = 0; k < BATCH; k++) {
      const i = b.next();
      const vm = int(0, VMS - 1);
      const peer = rnd() < 0.3 ? services[int(0, services.length - 1)] : externals[int(0, externals.length - 1)];
      const internal = rnd() < 0.05;
      const peerVm = internal ? int(0, VMS - 1) : -1;
      const kind = rnd();
      const peerAddr = internal ? vmAddr(peerVm) : kind < 0.15 ? services[4] : peer;
      const outbound = rnd() < 0.5;
      let sp = int(32768, 60999);
      let dp = 443;
      let proto = 6;
      let pk = int(6, 60);
      let by = pk * int(80, 1200);
      let flags = 0x1b;
      if (kind < 0.15) {
        // DNS lookups go to the VM's resolver
        proto = 17;
        dp = 53;
        pk = 1;
        by = int(60, 300);
        flags = -1;
      } else if (kind < 0.2) {
        // Internet background scanning: one SYN to a random service port
        dp = [22, 23, 80, 445, 3389, 8080][int(0, 5)];
        pk = 1;
        by = 44;
        flags = 0x02;
      } else if (kind < 0.23) {
        dp = 22; // SSH sessions
        pk = int(11, 40);
        by = pk * 150;
      } else if (kind < 0.24) {
        dp = 25;
      } else if (kind < 0.25) {
        proto = 1;
        sp = 0;
        dp = 0x0800;
        pk = 1;
        by = 84;
        flags = -1;
      } else if (kind < 0.27) {
        proto = 17;
        sp = 123;
        dp = 123;
        pk = 1;
        by = 76;
        flags = -1;
      }
      const reply = rnd() < 0.5 && kind >= 0.2;
      // The client is the VM when outbound; a reply swaps the ends and ports.
      let src = outbound ? vmAddr(vm) : peerAddr;
      let dst = outbound ? peerAddr : vmAddr(vm);
      let sVm = outbound ? vm : peerVm;
      let dVm = outbound ? peerVm : vm;
      if (reply) {
        [src, dst] = [dst, src];
        [sVm, dVm] = [dVm, sVm];
        [sp, dp] = [dp, sp];
      }
      b.setV4(i, src, dst);
      b.srcPort[i] = sp;
      b.dstPort[i] = dp;
      b.proto[i] = proto;
      b.packets[i] = pk;
      b.bytes[i] = by;
      if (flags >= 0 && proto === 6 && (bi & 1) === 0) {
        b.tcpFlags[i] = flags;
        b.flags[i] |= RecordFlag.TCP_FLAGS_KNOWN;
      }
      b.srcVm[i] = sVm;
      b.dstVm[i] = dVm;
      r[i] = (k / BATCH) * (BATCH / RECORDS_PER_EVENT_SECOND) * 1000;
    }
    batches.push(b);
    rel.push(r);
  }
  return { batches, rel };
}

function threatList(n: number): ThreatIntel {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${int(11, 223)}.${int(0, 255)}.${int(0, 255)}.0/${int(22, 32)}`);
  return new ThreatIntel([
    { category: 'drop', text: lines.slice(0, n / 2).join('\n') },
    { category: 'c2', text: lines.slice(n / 2).join('\n') },
  ]);
}

/** Kinds found on the random traffic (only threat-list hits are expected). */
const kindsSeen = new Set<string>();

function throughput(): Record<string, number> {
  const { batches, rel } = buildBatches();
  const intel = threatList(50_000);
  settle();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  let findings = 0;
  const engine = new DetectionEngine({
    directory: {
      describe: (s) => ({ vmId: `vm-${s}`, deploymentId: `dep-${s >> 4}`, subscriptionId: `sub-${s >> 8}` }),
    },
    onFinding: (f: Finding) => {
      findings += f.suppressed ? 0 : 1;
      kindsSeen.add(`${f.role} ${f.kind}/${f.subkind} (${f.rule.name})`);
    },
    threatIntel: intel,
    wallClock: () => T0 + 365 * 86_400_000,
  });
  let base = T0;
  const batchSpan = (BATCH / RECORDS_PER_EVENT_SECOND) * 1000;
  const ssh = batches.map(sshRecords);
  const replay = () => {
    for (let bi = 0; bi < batches.length; bi++) {
      const b = batches[bi];
      const r = rel[bi];
      for (let i = 0; i < b.length; i++) b.startMs[i] = b.endMs[i] = base + r[i];
      varySsh(b, ssh[bi], -1);
      engine.process(b);
      base += batchSpan;
    }
  };
  replay(); // warm-up: every VM side is created here
  const t = process.hrtime.bigint();
  let records = 0;
  let shiftNs = 0n;
  for (let round = 0; round < ROUNDS; round++) {
    for (let bi = 0; bi < batches.length; bi++) {
      const b = batches[bi];
      const r = rel[bi];
      const s = process.hrtime.bigint();
      for (let i = 0; i < b.length; i++) b.startMs[i] = b.endMs[i] = base + r[i];
      varySsh(b, ssh[bi], round);
      shiftNs += process.hrtime.bigint() - s;
      engine.process(b);
      base += batchSpan;
      records += b.length;
    }
  }
  const sec = Number(process.hrtime.bigint() - t - shiftNs) / 1e9;
  const st = engine.stats();
  if (kindsSeen.size > 0) console.error(`kinds on random traffic: ${[...kindsSeen].join(', ')}`);
  settle();
  const rssAfter = process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  const activeVms = VMS;
  return {
    records,
    seconds: Math.round(sec * 100) / 100,
    recordsPerSec: Math.round(records / sec),
    eventMinutes: Math.round(((base - T0) / 60_000) * 10) / 10,
    activeVms,
    vmSides: st.tracks,
    evaluations: st.evaluations,
    findings,
    rssMB: mb(rssAfter),
    engineRssMB: mb(rssAfter - rssBefore),
    rssBytesPerVm: Math.round((rssAfter - rssBefore) / activeVms),
    heapBytesPerVm: Math.round((heapAfter - heapBefore) / activeVms),
    trackedEntries: st.trackedEntries,
  };
}

function flood(): Record<string, number> {
  settle();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const kinds = new Set<string>();
  const engine = new DetectionEngine({
    directory: { describe: (s) => ({ vmId: `vm-${s}`, deploymentId: 'dep', subscriptionId: 'sub' }) },
    onFinding: (f: Finding) => {
      kinds.add(`${f.vmId}:${f.role}:${f.kind}/${f.subkind}`);
    },
    wallClock: () => T0 + 365 * 86_400_000,
  });
  const b = new FlowBatch(BATCH);
  // A full-period LCG over 2^32 visits every value once: 10M distinct spoofed sources.
  let x = 0x9e3779b9;
  const perSec = 200_000;
  let batches = 0;
  const t = process.hrtime.bigint();
  for (let k = 0; k < FLOOD_SOURCES; k++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const i = b.next();
    const victim = k % FLOOD_VMS;
    b.setV4(i, x, vmAddr(victim));
    b.startMs[i] = b.endMs[i] = T0 + (k / perSec) * 1000;
    b.srcPort[i] = (x >>> 16) | 1024;
    if (victim < 2) {
      b.proto[i] = 6;
      b.dstPort[i] = 443;
      b.packets[i] = 1;
      b.bytes[i] = 40;
      b.tcpFlags[i] = 0x02;
      b.flags[i] |= RecordFlag.TCP_FLAGS_KNOWN;
    } else if (victim < 4) {
      b.proto[i] = 17;
      b.srcPort[i] = victim === 2 ? 53 : 123;
      b.dstPort[i] = 1024 + (x & 0x7fff);
      b.packets[i] = 2;
      b.bytes[i] = 2 * 1400;
    } else if (victim === 4) {
      // TCP reflection: SYN-ACKs from millions of "servers" (unsolicited answers)
      b.proto[i] = 6;
      b.srcPort[i] = 80;
      b.dstPort[i] = 1024 + (x & 0x7fff);
      b.packets[i] = 2;
      b.bytes[i] = 88;
      b.tcpFlags[i] = 0x12;
      b.flags[i] |= RecordFlag.TCP_FLAGS_KNOWN;
    } else {
      // reflected NTP as a cloud log shows it: denied, no counters
      b.proto[i] = 17;
      b.srcPort[i] = 123;
      b.dstPort[i] = 27015;
      b.packets[i] = 1;
      b.bytes[i] = 0;
      b.action[i] = FlowAction.DENY;
    }
    b.dstVm[i] = victim;
    if (b.length === BATCH) {
      engine.process(b);
      b.clear();
      if (++batches % 32 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  }
  engine.process(b);
  engine.advance(T0 + (FLOOD_SOURCES / perSec) * 1000 + 10 * 60_000);
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const st = engine.stats();
  console.error(`flood findings: ${[...kinds].join(', ')}`);
  return {
    floodSources: FLOOD_SOURCES,
    floodVms: FLOOD_VMS,
    floodRecordsPerSec: Math.round(FLOOD_SOURCES / sec),
    floodPeakRssMB: mb(peakRss),
    floodRssGrowthMB: mb(peakRss - rssBefore),
    floodTrackedEntries: st.trackedEntries,
    floodDroppedRows: st.droppedRows,
    floodFindingKinds: kinds.size,
  };
}

/** Attack VMs per minute boundary, and probes each needs (Zeek's horizontal scan: 25 hosts). */
const LAT_VMS = 400;
const LAT_PROBES = 25;
const LAT_SETUP_BATCHES = 8;
const LAT_PORT = 2323; // never used by the background traffic

/**
 * Latency under the throughput load. At every minute boundary of event time LAT_VMS VMs run a
 * horizontal scan of port 2323: 24 SYN probes to distinct hosts spread over the batches before the
 * boundary, the 25th (the record that crosses Zeek's 25 hosts) in the last batch before it, and one
 * more probe right after it (a scanner goes on; a VM side evaluates its window when its first
 * record of the next bucket arrives). Measured: wall time from the start of the process() call
 * carrying the crossing record to the onFinding call of that VM's scan finding.
 */
function latency(): Record<string, number> {
  const { batches, rel } = buildBatches(1536);
  const intel = threatList(50_000);
  const pending = new Map<number, bigint>();
  const lat: number[] = [];
  let expected = 0;
  const engine = new DetectionEngine({
    directory: {
      describe: (s) => ({ vmId: `vm-${s}`, deploymentId: `dep-${s >> 4}`, subscriptionId: `sub-${s >> 8}` }),
    },
    onFinding: (f: Finding) => {
      if (f.kind !== 'port-scan' || f.role !== 'source' || f.updates !== 1 || f.ports[0] !== LAT_PORT) return;
      const slot = Number(f.vmId.slice(3));
      const t0 = pending.get(slot);
      if (t0 === undefined) return;
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      pending.delete(slot);
    },
    threatIntel: intel,
    wallClock: () => T0 + 365 * 86_400_000,
  });
  const batchSpan = (BATCH / RECORDS_PER_EVENT_SECOND) * 1000;
  const ssh = batches.map(sshRecords);
  const probe = (b: FlowBatch, vm: number, boundary: number, p: number, t: number) => {
    const i = b.next();
    // A distinct external host per (boundary, VM, probe) in 11.0.0.0/8.
    const host = (0x0b000000 + ((boundary * LAT_VMS + (vm % LAT_VMS)) * 32 + p)) >>> 0;
    b.setV4(i, vmAddr(vm), host);
    b.startMs[i] = b.endMs[i] = t;
    b.srcPort[i] = 40000 + p;
    b.dstPort[i] = LAT_PORT;
    b.proto[i] = 6;
    b.packets[i] = 1;
    b.bytes[i] = 44;
    b.setTcpFlags(i, 0x02);
    b.srcVm[i] = vm;
    b.dstVm[i] = -1;
  };
  let base = T0;
  let records = 0;
  let ns = 0n;
  let boundaryNo = 0;
  const rounds = Math.max(8, ROUNDS);
  for (let round = 0; round <= rounds; round++) {
    for (let bi = 0; bi < batches.length; bi++) {
      const b = batches[bi];
      const r = rel[bi];
      for (let i = 0; i < BATCH; i++) b.startMs[i] = b.endMs[i] = base + r[i];
      varySsh(b, ssh[bi], round);
      const warm = round === 0;
      const nextB = (Math.floor(base / 60_000) + 1) * 60_000;
      const before = Math.floor((nextB - base) / batchSpan) - 1; // whole batches left before the boundary
      const prevB = Math.floor((base + batchSpan) / 60_000) * 60_000;
      const straddles = prevB > base && prevB < base + batchSpan;
      let crossing = false;
      if (!warm && before >= 0 && before <= LAT_SETUP_BATCHES) {
        const first = (boundaryNo * LAT_VMS) % VMS;
        for (let v = 0; v < LAT_VMS; v++) {
          const vm = (first + v) % VMS;
          if (before === 0) probe(b, vm, boundaryNo, LAT_PROBES - 1, base + batchSpan - 1);
          else
            for (let p = (before - 1) * 3; p < before * 3 && p < LAT_PROBES - 1; p++)
              probe(b, vm, boundaryNo, p, base + (p % 3) * 10);
        }
        crossing = before === 0;
      }
      if (!warm && straddles && boundaryNo > 0) {
        const first = ((boundaryNo - 1) * LAT_VMS) % VMS;
        for (let v = 0; v < LAT_VMS; v++) probe(b, (first + v) % VMS, boundaryNo - 1, LAT_PROBES, prevB + 1);
      }
      const s = process.hrtime.bigint();
      if (crossing) {
        const first = (boundaryNo * LAT_VMS) % VMS;
        for (let v = 0; v < LAT_VMS; v++) pending.set((first + v) % VMS, s);
        expected += LAT_VMS;
        boundaryNo++;
      }
      engine.process(b);
      if (!warm) {
        ns += process.hrtime.bigint() - s;
        records += b.length;
      }
      b.length = BATCH;
      base += batchSpan;
    }
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) =>
    lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 10) / 10 : -1;
  return {
    latencySamples: lat.length,
    latencyExpected: expected,
    latencyMissed: expected - lat.length,
    latencyP50Ms: q(0.5),
    latencyP90Ms: q(0.9),
    latencyP99Ms: q(0.99),
    latencyMaxMs: lat.length ? Math.round(lat[lat.length - 1] * 10) / 10 : -1,
    latencyBatchRecords: BATCH,
    latencyBatchMs: Math.round((Number(ns) / 1e6 / Math.max(1, records / BATCH)) * 100) / 100,
    latencyRecordsPerSec: Math.round(records / (Number(ns) / 1e9)),
  };
}

export type BenchPart = 'throughput' | 'flood' | 'latency';

/**
 * Runs one part in a fresh node process (ts-node, tsconfig paths, --expose-gc), whatever launched
 * this one (node -r ts-node/register or the ts-node CLI), and returns its JSON figures.
 */
export function runPart(part: BenchPart): Record<string, number> {
  const args = ['--expose-gc', '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', __filename];
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, DETECT_BENCH_PART: part },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`bench part ${part} failed: ${r.stderr}`);
  if (r.stderr.trim()) console.error(r.stderr.trim());
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, number>;
}

function main(): void {
  const part = process.env.DETECT_BENCH_PART;
  if (part === 'throughput' || part === 'flood' || part === 'latency') {
    if (!gc) console.warn('run with --expose-gc for stable memory figures');
    console.log(JSON.stringify(part === 'throughput' ? throughput() : part === 'flood' ? flood() : latency()));
    return;
  }
  const a = runPart('throughput');
  const b = runPart('flood');
  const c = runPart('latency');
  const rows = [
    { figure: 'records/s (100k active VMs, all detectors, one core)', value: a.recordsPerSec },
    { figure: 'records timed', value: a.records },
    { figure: 'event time covered (min)', value: a.eventMinutes },
    { figure: 'VM sides live', value: a.vmSides },
    { figure: 'window evaluations', value: a.evaluations },
    { figure: 'findings on the replayed random traffic (threat-list hits; see stderr)', value: a.findings },
    { figure: 'engine RSS (MB) for 100k active VMs', value: a.engineRssMB },
    { figure: 'RSS bytes per active VM', value: a.rssBytesPerVm },
    { figure: 'heap bytes per active VM', value: a.heapBytesPerVm },
    { figure: 'process RSS at end (MB)', value: a.rssMB },
    { figure: 'flood: distinct spoofed sources', value: b.floodSources },
    { figure: 'flood: victim VMs', value: b.floodVms },
    { figure: 'flood: records/s', value: b.floodRecordsPerSec },
    { figure: 'flood: peak process RSS (MB)', value: b.floodPeakRssMB },
    { figure: 'flood: RSS growth during the flood (MB)', value: b.floodRssGrowthMB },
    { figure: 'flood: tracked entries at the end', value: b.floodTrackedEntries },
    { figure: 'flood: rows refused by bounded tables', value: b.floodDroppedRows },
    { figure: 'flood: findings (VM, role, kind/subkind)', value: b.floodFindingKinds },
    { figure: 'latency: scans measured (threshold crossed at a minute boundary)', value: c.latencySamples },
    { figure: 'latency: p50 ms (process() with the crossing record -> onFinding)', value: c.latencyP50Ms },
    { figure: 'latency: p99 ms', value: c.latencyP99Ms },
    { figure: 'latency: max ms', value: c.latencyMaxMs },
    { figure: 'latency: scans without a finding', value: c.latencyMissed },
    { figure: 'latency run: records/s with the injected scans', value: c.latencyRecordsPerSec },
  ];
  console.table(rows);
  // Last line: the same figures as one JSON object, for scripts.
  console.log(
    JSON.stringify({ bench: 'detect-core', at: new Date().toISOString(), node: process.version, ...a, ...b, ...c }),
  );
}

if (require.main === module) main();
