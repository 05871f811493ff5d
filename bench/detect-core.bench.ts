/**
 * Detection core benchmark, one core:
 * 1. throughput: records/s through per-VM windows and all detectors with 100,000 active VMs
 *    (both sides of each VM live, ~60 records per VM and minute, a 50,000-range threat list loaded);
 * 2. process RSS per active VM after that run;
 * 3. RSS under an inbound flood from 10,000,000 distinct spoofed sources to 4 VMs (SYN flood and
 *    reflected UDP from amplification ports), which must stay bounded.
 * Targets: >= 1,000,000 records/s; total memory well under 1 GB.
 *
 * node --expose-gc -r ts-node/register/transpile-only -r tsconfig-paths/register bench/detect-core.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { FlowBatch, RecordFlag } from '@sg/flows';
import { DetectionEngine, ThreatIntel, type Finding } from '@sg/detection';

const VMS = 100_000;
const BATCH = 16_384;
const BATCHES = 48; // 786k distinct records, replayed with moving timestamps
const ROUNDS = Number(process.env.ROUNDS ?? 40); // ~31M timed records
const RECORDS_PER_EVENT_SECOND = 100_000; // 1 record per VM per second of event time
const FLOOD_SOURCES = 10_000_000;
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
function buildBatches(): { batches: FlowBatch[]; rel: Float64Array[] } {
  const externals = new Uint32Array(1 << 20);
  for (let i = 0; i < externals.length; i++) externals[i] = ((int(11, 223) << 24) | int(0, 0xffffff)) >>> 0;
  const services = [0x14002a5c, 0x0d6b2a0e, 0x8c527904, 0x9765014d, 0xa8ff8110 /* resolver */];
  const batches: FlowBatch[] = [];
  const rel: Float64Array[] = [];
  for (let bi = 0; bi < BATCHES; bi++) {
    const b = new FlowBatch(BATCH);
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
      kindsSeen.add(`${f.role} ${f.kind}/${f.subkind}`);
    },
    threatIntel: intel,
    wallClock: () => T0 + 365 * 86_400_000,
  });
  let base = T0;
  const batchSpan = (BATCH / RECORDS_PER_EVENT_SECOND) * 1000;
  const replay = () => {
    for (let bi = 0; bi < batches.length; bi++) {
      const b = batches[bi];
      const r = rel[bi];
      for (let i = 0; i < b.length; i++) b.startMs[i] = b.endMs[i] = base + r[i];
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
    const victim = k & 3;
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
    } else {
      b.proto[i] = 17;
      b.srcPort[i] = victim === 2 ? 53 : 123;
      b.dstPort[i] = 1024 + (x & 0x7fff);
      b.packets[i] = 2;
      b.bytes[i] = 2 * 1400;
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
    floodVms: 4,
    floodRecordsPerSec: Math.round(FLOOD_SOURCES / sec),
    floodPeakRssMB: mb(peakRss),
    floodRssGrowthMB: mb(peakRss - rssBefore),
    floodTrackedEntries: st.trackedEntries,
    floodDroppedRows: st.droppedRows,
    floodFindingKinds: kinds.size,
  };
}

/** Runs one part in a fresh process, so each memory figure starts from a clean heap. */
function runPart(part: 'throughput' | 'flood'): Record<string, number> {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename], {
    env: { ...process.env, DETECT_BENCH_PART: part },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`bench part ${part} failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, number>;
}

function main(): void {
  const part = process.env.DETECT_BENCH_PART;
  if (part === 'throughput' || part === 'flood') {
    if (!gc) console.warn('run with --expose-gc for stable memory figures');
    console.log(JSON.stringify(part === 'throughput' ? throughput() : flood()));
    return;
  }
  const a = runPart('throughput');
  const b = runPart('flood');
  const rows = [
    { figure: 'records/s (100k active VMs, all detectors, one core)', value: a.recordsPerSec },
    { figure: 'records timed', value: a.records },
    { figure: 'event time covered (min)', value: a.eventMinutes },
    { figure: 'VM sides live', value: a.vmSides },
    { figure: 'window evaluations', value: a.evaluations },
    { figure: 'findings on random traffic (random threat-list hits)', value: a.findings },
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
  ];
  console.table(rows);
  // Last line: the same figures as one JSON object, for scripts.
  console.log(
    JSON.stringify({ bench: 'detect-core', at: new Date().toISOString(), node: process.version, ...a, ...b }),
  );
}

main();
