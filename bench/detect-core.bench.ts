/**
 * Detection core benchmark, one core:
 * 1. throughput: records/s through per-VM windows and all detectors with 100,000 active VMs
 *    (both sides of each VM live, ~60 records per VM and minute, a 50,000-range threat list loaded);
 * 2. process RSS per active VM after that run;
 * 3. RSS under an inbound flood from 10,000,000 distinct spoofed sources to 6 VMs (SYN flood,
 *    reflected UDP from amplification ports, SYN-ACK reflection, and reflected NTP as cloud logs
 *    show it: denied, without counters), which must stay bounded;
 * 4. latency under the same load as 1: port scans, SSH brute force and SYN floods whose threshold
 *    is crossed in the middle of a minute, wall time from the process() call that carries each
 *    crossing record to the VM's first finding of that kind (onFinding).
 * Targets: >= 1,000,000 records/s; total memory well under 1 GB; p99 latency < 1 s.
 * Each part runs in a fresh process, so each memory figure starts from a clean heap.
 *
 * node --expose-gc -r ts-node/register/transpile-only -r tsconfig-paths/register bench/detect-core.bench.ts
 * (bench/detect.bench.ts runs these parts too, with the detection-quality tables.)
 */
import { spawnSync } from 'node:child_process';
import { benchSize } from './bench-size';
import { FlowAction, FlowBatch, RecordFlag } from '@sg/flows/flow-batch';
import { join } from 'node:path';
import type { Finding } from '../libs/detection/src/engine/finding';

// The engine itself, not the package index (which also loads the Nest wrapper). DETECT_ENGINE_DIR
// loads it from another folder instead (bench/detect-ab.bench.ts: the engine of a base commit).
const ENGINE_DIR = process.env.DETECT_ENGINE_DIR || join(__dirname, '../libs/detection/src/engine');
/* eslint-disable @typescript-eslint/no-require-imports */
const { DetectionEngine } = require(
  join(ENGINE_DIR, 'detection-engine'),
) as typeof import('../libs/detection/src/engine/detection-engine');
const { ThreatIntel } = require(
  join(ENGINE_DIR, 'threat-intel'),
) as typeof import('../libs/detection/src/engine/threat-intel');
/* eslint-enable @typescript-eslint/no-require-imports */

const VMS = 100_000;
const BATCH = 16_384;
const BATCHES = benchSize(48, 16); // 786k distinct records, replayed with moving timestamps
const ROUNDS = Number(process.env.ROUNDS ?? benchSize(40, 1)); // ~31M timed records
const RECORDS_PER_EVENT_SECOND = 100_000; // 1 record per VM per second of event time
const FLOOD_SOURCES = benchSize(10_000_000, 200_000);
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

function threatList(n: number): InstanceType<typeof ThreatIntel> {
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
  const cpu = process.cpuUsage();
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
  // CPU time of the process (the timestamp shifting included): steadier than wall time on a shared machine.
  const used = process.cpuUsage(cpu);
  const cpuSec = (used.user + used.system) / 1e6;
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
    recordsPerCpuSec: Math.round(records / cpuSec),
    eventMinutes: Math.round(((base - T0) / 60_000) * 10) / 10,
    activeVms,
    vmSides: st.tracks,
    evaluations: st.evaluations,
    eagerEvaluations: st.eagerEvaluations,
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

/** Attacks per crossing group (VMs), by kind; each VM attacks once in the run. */
const LAT_SCAN_VMS = 100;
const LAT_BRUTE_VMS = 100;
const LAT_FLOOD_VMS = 50;
/** Batches between crossing groups (~3.3 s of event time). */
const LAT_GROUP_EVERY = 20;
/** Crossings only in the middle of a minute: the crossing batch starts 20-40 s into its bucket. */
const LAT_MID_FROM = 20_000;
const LAT_MID_TO = 40_000;
const LAT_PORT = 2323; // never used by the background traffic
const LAT_KINDS = ['port-scan', 'brute-force', 'flood'] as const;
type LatKind = (typeof LAT_KINDS)[number];

interface LatRecord {
  t: number;
  src: number;
  dst: number;
  srcVm: number;
  dstVm: number;
  sp: number;
  dp: number;
  pk: number;
  by: number;
  flags: number;
}

interface LatGroup {
  batch: number; // global index of the batch carrying the crossing records
  vms: { kind: LatKind; vm: number }[];
}

/**
 * The injected attacks: for each crossing group, LAT_SCAN_VMS horizontal scans (24 SYNs to distinct
 * hosts on port 2323 in the 1.4 s before, the 25th host in the crossing batch: Zeek's 25),
 * LAT_BRUTE_VMS SSH guessers against a VM (29 login-sized sessions of varied sizes, so not the
 * alike rule, then the 30th: one-to-one) and LAT_FLOOD_VMS SYN floods from a VM to one host (100
 * SYNs every 0.5 s; the 10th record brings 204 SYN/s over the 5-s floor, past the one-peer limit
 * of 200). Each attack goes on once after its crossing (a scanner moves on), so a crossing that a
 * Bloom-filter false positive hides is found one record later (counted in max) rather than missed.
 */
function latencyPlan(batchSpan: number, firstBatch: number, lastBatch: number) {
  const groups: LatGroup[] = [];
  const byBatch = new Map<number, LatRecord[]>();
  const add = (r: LatRecord) => {
    const g = Math.floor((r.t - T0) / batchSpan);
    let l = byBatch.get(g);
    if (!l) byBatch.set(g, (l = []));
    l.push(r);
  };
  let last = -Infinity;
  for (let g = firstBatch + 40; g < lastBatch - 8; g++) {
    const start = T0 + g * batchSpan;
    const off = start % 60_000;
    if (off < LAT_MID_FROM || off + batchSpan > LAT_MID_TO || g - last < LAT_GROUP_EVERY) continue;
    last = g;
    const n = groups.length;
    const tc = start + batchSpan / 2; // the crossing records' time, inside batch g
    const vms: LatGroup['vms'] = [];
    for (let v = 0; v < LAT_SCAN_VMS; v++) {
      const vm = (n * LAT_SCAN_VMS + v) % 40_000;
      vms.push({ kind: 'port-scan', vm });
      for (let p = 0; p <= 25; p++) {
        const t = p < 24 ? tc - (24 - p) * 60 : p === 24 ? tc : tc + 400;
        const host = (0x0b000000 + (n * LAT_SCAN_VMS + v) * 32 + p) >>> 0;
        add({
          t,
          src: vmAddr(vm),
          dst: host,
          srcVm: vm,
          dstVm: -1,
          sp: 40000 + p,
          dp: LAT_PORT,
          pk: 1,
          by: 44,
          flags: 0x02,
        });
      }
    }
    for (let v = 0; v < LAT_BRUTE_VMS; v++) {
      const vm = 40_000 + ((n * LAT_BRUTE_VMS + v) % 30_000);
      vms.push({ kind: 'brute-force', vm });
      const attacker = (0x0c000000 + n * LAT_BRUTE_VMS + v) >>> 0;
      for (let k = 0; k <= 30; k++) {
        const t = k < 29 ? tc - (29 - k) * 50 : k === 29 ? tc : tc + 400;
        const pk = 11 + ((k * 6) % 42);
        add({
          t,
          src: attacker,
          dst: vmAddr(vm),
          srcVm: -1,
          dstVm: vm,
          sp: 20000 + k,
          dp: 22,
          pk,
          by: pk * 150,
          flags: 0x1b,
        });
      }
    }
    for (let v = 0; v < LAT_FLOOD_VMS; v++) {
      const vm = 70_000 + ((n * LAT_FLOOD_VMS + v) % 30_000);
      vms.push({ kind: 'flood', vm });
      const victim = (0x0d000000 + n * LAT_FLOOD_VMS + v) >>> 0;
      for (let m = 0; m <= 10; m++) {
        const t = tc + (m - 9) * 500;
        const pk = m === 9 ? 120 : 100;
        add({
          t,
          src: vmAddr(vm),
          dst: victim,
          srcVm: vm,
          dstVm: -1,
          sp: 30000 + m,
          dp: 80,
          pk,
          by: pk * 40,
          flags: 0x02,
        });
      }
    }
    groups.push({ batch: g, vms });
  }
  return { groups, byBatch };
}

/**
 * Latency under the throughput load (100,000 active VMs), from the record that crosses a threshold:
 * wall time from the start of the process() call carrying a crossing record (see latencyPlan) to
 * the onFinding call of that VM's first finding of the kind. Crossings sit in the middle of a
 * minute (20-40 s into the bucket), so no bucket close helps: before eager evaluation a finding
 * waited for the VM side's first record of the next minute.
 */
function latency(): Record<string, number> {
  const { batches, rel } = buildBatches(1536);
  const intel = threatList(50_000);
  const batchSpan = (BATCH / RECORDS_PER_EVENT_SECOND) * 1000;
  const rounds = Math.max(8, ROUNDS);
  const totalBatches = (rounds + 1) * batches.length;
  const plan = latencyPlan(batchSpan, batches.length, totalBatches);
  const kindIndex = (k: string) => LAT_KINDS.indexOf(k as LatKind);
  const pending = new Map<number, bigint>();
  const lat: number[][] = LAT_KINDS.map(() => []);
  const expected = LAT_KINDS.map(() => 0);
  const planned = new Set<number>();
  for (const grp of plan.groups) for (const v of grp.vms) planned.add(v.vm * 4 + kindIndex(v.kind));
  const early = new Set<number>();
  const engine = new DetectionEngine({
    directory: {
      describe: (s) => ({ vmId: `vm-${s}`, deploymentId: `dep-${s >> 4}`, subscriptionId: `sub-${s >> 8}` }),
    },
    onFinding: (f: Finding) => {
      const k = kindIndex(f.kind);
      if (k < 0 || f.updates !== 1 || f.role !== (f.kind === 'brute-force' ? 'target' : 'source')) return;
      const key = Number(f.vmId.slice(3)) * 4 + k;
      const t0 = pending.get(key);
      if (t0 === undefined) {
        // The injected attack plus background traffic reached a rule before the planned record.
        if (planned.has(key)) early.add(key);
        return;
      }
      lat[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      pending.delete(key);
    },
    threatIntel: intel,
    wallClock: () => T0 + 365 * 86_400_000,
  });
  const ssh = batches.map(sshRecords);
  let records = 0;
  let ns = 0n;
  let g = 0;
  let group = 0;
  for (let round = 0; round <= rounds; round++) {
    for (let bi = 0; bi < batches.length; bi++, g++) {
      const b = batches[bi];
      const r = rel[bi];
      const base = T0 + g * batchSpan;
      for (let i = 0; i < BATCH; i++) b.startMs[i] = b.endMs[i] = base + r[i];
      varySsh(b, ssh[bi], round);
      for (const x of plan.byBatch.get(g) ?? []) {
        if (b.length === b.capacity) throw new Error('latency bench: batch spare capacity too small');
        const i = b.next();
        b.setV4(i, x.src, x.dst);
        b.startMs[i] = b.endMs[i] = x.t;
        b.srcPort[i] = x.sp;
        b.dstPort[i] = x.dp;
        b.proto[i] = 6;
        b.packets[i] = x.pk;
        b.bytes[i] = x.by;
        b.setTcpFlags(i, x.flags);
        b.srcVm[i] = x.srcVm;
        b.dstVm[i] = x.dstVm;
      }
      const s = process.hrtime.bigint();
      if (group < plan.groups.length && plan.groups[group].batch === g) {
        for (const v of plan.groups[group].vms) {
          const key = v.vm * 4 + kindIndex(v.kind);
          planned.delete(key);
          if (early.has(key)) continue; // found before its crossing: nothing left to time
          pending.set(key, s);
          expected[kindIndex(v.kind)]++;
        }
        group++;
      }
      engine.process(b);
      if (round > 0) {
        ns += process.hrtime.bigint() - s;
        records += b.length;
      }
      b.length = BATCH;
    }
  }
  const q = (xs: number[], p: number) =>
    xs.length ? Math.round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] * 10) / 10 : -1;
  const figures = (prefix: string, xs: number[], exp: number): Record<string, number> => {
    xs.sort((a, b) => a - b);
    return {
      [`${prefix}Samples`]: xs.length,
      [`${prefix}Expected`]: exp,
      [`${prefix}Missed`]: exp - xs.length,
      [`${prefix}P50Ms`]: q(xs, 0.5),
      [`${prefix}P90Ms`]: q(xs, 0.9),
      [`${prefix}P99Ms`]: q(xs, 0.99),
      [`${prefix}MaxMs`]: xs.length ? Math.round(xs[xs.length - 1] * 10) / 10 : -1,
    };
  };
  const names = ['latencyScan', 'latencyBrute', 'latencyFlood'];
  const perKind = Object.assign({}, ...LAT_KINDS.map((_, k) => figures(names[k], lat[k], expected[k])));
  return {
    ...figures(
      'latency',
      lat.flat(),
      expected.reduce((a, b) => a + b, 0),
    ),
    ...perKind,
    latencyGroups: plan.groups.length,
    latencyFoundBeforeCrossing: early.size,
    latencyEagerEvaluations: engine.stats().eagerEvaluations,
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
export function runPart(part: BenchPart, env: Record<string, string> = {}): Record<string, number> {
  const args = ['--expose-gc', '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', __filename];
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, ...env, DETECT_BENCH_PART: part },
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
    { figure: 'eager evaluations (open buckets of hot sides)', value: a.eagerEvaluations },
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
    { figure: 'latency: crossings measured (scan, brute force, flood; mid-minute)', value: c.latencySamples },
    { figure: 'latency: p50 ms (process() with the crossing record -> onFinding)', value: c.latencyP50Ms },
    { figure: 'latency: p90 ms', value: c.latencyP90Ms },
    { figure: 'latency: p99 ms', value: c.latencyP99Ms },
    { figure: 'latency: max ms', value: c.latencyMaxMs },
    { figure: 'latency: crossings without a finding', value: c.latencyMissed },
    { figure: 'latency: attacks found before their planned crossing', value: c.latencyFoundBeforeCrossing },
    {
      figure: 'latency: p99 ms port-scan / brute-force / flood',
      value: `${c.latencyScanP99Ms} / ${c.latencyBruteP99Ms} / ${c.latencyFloodP99Ms}`,
    },
    { figure: 'latency run: records/s with the injected attacks', value: c.latencyRecordsPerSec },
  ];
  console.table(rows);
  // Last line: the same figures as one JSON object, for scripts.
  console.log(
    JSON.stringify({ bench: 'detect-core', at: new Date().toISOString(), node: process.version, ...a, ...b, ...c }),
  );
}

if (require.main === module) main();
