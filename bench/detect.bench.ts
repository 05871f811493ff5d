/**
 * Detection benchmark: quality, then speed and memory. One table per part; the last line is one
 * JSON object with every figure.
 *   (i)   per-kind recall/precision on the generated scenarios (test/support/scenario-generator);
 *   (ii)  the same on the shared scenarios (/work/shared/scenarios), per form: AWS VPC logs, Azure
 *         NSG logs, pcaps through softflowd (IPFIX) when softflowd is installed, and the merged files;
 *   (iii) the real captures (/work/shared/realdata): declared VM, expected and reported finding;
 *   (iv)  records/s through the windows and all detectors with 100,000 active VMs, one core;
 *   (v)   latency from the process() call carrying a threshold-crossing record (port scan, brute
 *         force, flood; in the middle of a minute) to onFinding, under the load of (iv);
 *   (vi)  RSS per active VM, and under inbound floods and reflection from 10,000,000 spoofed sources;
 *   (vii) the hand-over after the engine: detection thread and back, finding job in Redis.
 * Parts iv-vi run bench/detect-core.bench.ts's parts, each in a fresh process.
 *
 * npm run bench:detect   (ROUNDS=n shortens or lengthens the timed parts; default 40)
 */
import { BENCH_SMOKE } from './bench-size';
import { runPart } from './detect-core.bench';
import { handover } from './detect-handover';
import { generateScenarios } from '../test/support/scenario-generator';
import { evaluateGenerated } from '../test/support/scenario-generator/evaluate';
import {
  checkRealdata,
  loadRealdata,
  REALDATA_CASES,
  type RealdataResult,
} from '../test/support/realdata/realdata-cases';
import {
  evaluateSharedForm,
  evaluateSharedMerged,
  kindTable,
  loadSharedLabels,
  type SharedEvaluation,
} from '../test/support/realdata/shared-scenarios';
import { haveSoftflowd } from '../test/support/realdata/softflowd';

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function heading(s: string): void {
  console.log(`\n== ${s}`);
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = { bench: 'detect', at: new Date().toISOString(), node: process.version };

  // (i) generated scenarios
  heading('(i) generated scenarios (seeded generator; VM-level recall/precision per kind)');
  const generated: Record<string, unknown>[] = [];
  for (const seed of BENCH_SMOKE ? [20240603] : [20240603, 7]) {
    const sc = generateScenarios({ seed });
    const e = evaluateGenerated(sc);
    console.log(
      `seed ${seed}: ${sc.records} records, ${sc.vms.length} VMs, ${sc.labels.length} labels; misses ${JSON.stringify(e.misses)}, false positives ${JSON.stringify(e.falsePositives)}`,
    );
    console.table(
      e.scores.map((s) => ({
        seed,
        kind: s.kind,
        labels: s.labels,
        detected: s.detected,
        reported: s.reported,
        recall: s.recall.toFixed(3),
        precision: s.precision.toFixed(3),
      })),
    );
    generated.push({
      seed,
      records: sc.records,
      labels: sc.labels.length,
      misses: e.misses,
      falsePositives: e.falsePositives,
      kinds: Object.fromEntries(e.scores.map((s) => [s.kind, { recall: r3(s.recall), precision: r3(s.precision) }])),
    });
  }
  out.generated = generated;

  // (ii) shared scenarios per form
  heading('(ii) shared scenarios per form (every labelled VM declared; one engine per scenario file)');
  const labels = loadSharedLabels();
  const evals: SharedEvaluation[] = [await evaluateSharedForm('vpc', labels), await evaluateSharedForm('nsg', labels)];
  if (haveSoftflowd()) evals.push(await evaluateSharedForm('pcap', labels));
  else console.log('softflowd not installed: pcap form skipped');
  evals.push(await evaluateSharedMerged('vpc', labels), await evaluateSharedMerged('nsg', labels));
  for (const e of evals) {
    console.log(
      `${e.form}: ${e.records} records; misses ${JSON.stringify(e.misses)}, false positives ${JSON.stringify(e.falsePositives)}`,
    );
    console.table(kindTable(e));
  }
  console.table(
    evals[0].scenarios.map((s, k) => ({
      scenario: s.scenario,
      vm: s.vm,
      expected: s.expected,
      ...Object.fromEntries(evals.map((e) => [e.form, e.scenarios[k].got])),
    })),
  );
  out.shared = evals.map((e) => ({
    form: e.form,
    records: e.records,
    misses: e.misses,
    falsePositives: e.falsePositives,
    kinds: Object.fromEntries(e.kinds.map((k) => [k.kind, { recall: r3(k.recall), precision: r3(k.precision) }])),
  }));

  // (iii) real captures
  heading('(iii) real captures (attacker or victim declared as the VM; default config)');
  const real: RealdataResult[] = [];
  if (haveSoftflowd()) {
    for (const c of REALDATA_CASES) real.push(...checkRealdata(c, await loadRealdata(c)));
  } else {
    for (const c of REALDATA_CASES.filter((x) => x.form !== 'pcap'))
      real.push(...checkRealdata(c, await loadRealdata(c)));
    console.log('softflowd not installed: pcaps skipped');
  }
  console.table(real.map((r) => ({ file: r.file, declared: r.declared, expected: r.expected, got: r.got, ok: r.ok })));
  out.realdata = {
    runs: real.length,
    ok: real.filter((r) => r.ok).length,
    failed: real.filter((r) => !r.ok).map((r) => `${r.file} ${r.declared}: ${r.got}`),
  };

  // (iv)-(vi) speed and memory, each part in a fresh process
  const a = runPart('throughput');
  const l = runPart('latency');
  const f = runPart('flood');

  heading('(iv) throughput: 100,000 active VMs, both sides live, all detectors, 50,000-range threat list, one core');
  console.table([
    { figure: 'records/s', value: a.recordsPerSec, target: '>= 1,000,000' },
    { figure: 'records timed', value: a.records, target: '' },
    { figure: 'seconds', value: a.seconds, target: '' },
    { figure: 'event minutes covered', value: a.eventMinutes, target: '' },
    { figure: 'VM sides live', value: a.vmSides, target: '' },
    { figure: 'window evaluations', value: a.evaluations, target: '' },
    { figure: 'eager evaluations (open buckets of hot sides)', value: a.eagerEvaluations, target: '' },
    {
      figure:
        'findings on the replayed random traffic (threat-list hits; SSH pairs replayed every 7.9 s reach 30 sessions)',
      value: a.findings,
      target: '',
    },
    { figure: 'records/s in the latency run (with the injected attacks)', value: l.latencyRecordsPerSec, target: '' },
  ]);

  heading('(v) latency under the same load');
  console.log(
    'Measured: wall time from the start of the process() call carrying the record that crosses a threshold to the\n' +
      "VM's first finding of that kind (onFinding). Every ~3.3 s of event time, 20-40 s into a minute (no bucket close\n" +
      'helps), 100 VMs cross the horizontal scan rule (25th host on port 2323), 100 VMs the SSH one-to-one rule (30th\n' +
      'login-sized session, sizes varied) and 50 VMs the one-peer SYN flood limit (200 SYN/s over the 5-s floor), the\n' +
      'crossing record in a batch of 16,384 background records. The open bucket of a side whose counters cross is\n' +
      'evaluated at the end of that process() call (eager evaluation, at most once per 250 ms per side). In live\n' +
      'operation add the exporter delay (NetFlow/IPFIX active timeout ~60 s, cloud flow logs 1-10 min). A scan whose\n' +
      '25th host the known-pairs Bloom filter hides is found with its 26th, a few batches later (in max).',
  );
  console.table([
    { figure: 'crossing groups', value: l.latencyGroups, target: '' },
    { figure: 'crossings measured', value: l.latencySamples, target: '' },
    { figure: 'crossings without a finding', value: l.latencyMissed, target: '0' },
    {
      figure: 'attacks found before their planned crossing (not timed)',
      value: l.latencyFoundBeforeCrossing,
      target: '',
    },
    { figure: 'p50 ms', value: l.latencyP50Ms, target: '' },
    { figure: 'p90 ms', value: l.latencyP90Ms, target: '' },
    { figure: 'p99 ms', value: l.latencyP99Ms, target: '< 1,000' },
    { figure: 'max ms', value: l.latencyMaxMs, target: '' },
    { figure: 'ms per batch of 16,384 records', value: l.latencyBatchMs, target: '' },
    { figure: 'eager evaluations in the run', value: l.latencyEagerEvaluations, target: '' },
  ]);
  console.table(
    (
      [
        ['port-scan (horizontal, 25th host)', 'latencyScan'],
        ['brute-force (SSH one-to-one, 30th session)', 'latencyBrute'],
        ['flood (one-peer SYN rate)', 'latencyFlood'],
      ] as const
    ).map(([kind, k]) => ({
      kind,
      crossings: l[`${k}Expected`],
      'without finding': l[`${k}Missed`],
      'p50 ms': l[`${k}P50Ms`],
      'p90 ms': l[`${k}P90Ms`],
      'p99 ms': l[`${k}P99Ms`],
      'max ms': l[`${k}MaxMs`],
    })),
  );

  heading('(vi) memory');
  console.table([
    { figure: 'engine RSS (MB) for 100,000 active VMs', value: a.engineRssMB, target: '' },
    { figure: 'RSS bytes per active VM', value: a.rssBytesPerVm, target: '' },
    { figure: 'heap bytes per active VM', value: a.heapBytesPerVm, target: '' },
    { figure: 'process RSS at end of the throughput run (MB)', value: a.rssMB, target: '< 1,024' },
    { figure: 'flood: distinct spoofed sources', value: f.floodSources, target: '' },
    {
      figure: 'flood: victim VMs (SYN flood, UDP reflection, SYN-ACK reflection, denied NTP)',
      value: f.floodVms,
      target: '',
    },
    { figure: 'flood: records/s', value: f.floodRecordsPerSec, target: '' },
    { figure: 'flood: peak process RSS (MB)', value: f.floodPeakRssMB, target: '< 1,024' },
    { figure: 'flood: RSS growth during the flood (MB)', value: f.floodRssGrowthMB, target: '' },
    { figure: 'flood: tracked entries at the end', value: f.floodTrackedEntries, target: '' },
    { figure: 'flood: rows refused by bounded tables', value: f.floodDroppedRows, target: '' },
  ]);
  out.throughput = a;
  out.latency = l;
  out.flood = f;

  heading('(vii) hand-over after the engine: receiving thread -> detection thread -> finding job in Redis');
  console.log(
    'From DetectionThread.consume() of the batch carrying the crossing record (25th host of a scan) to the\n' +
      "BullMQ job in Redis (Queue.add resolved), through the detection thread and back: what (v)'s figures add in the collector.",
  );
  try {
    const h = await handover();
    console.table([
      { figure: 'scans measured', value: h.handoverMeasured, target: String(h.handoverScans) },
      { figure: 'p50 ms', value: h.handoverP50Ms, target: '' },
      { figure: 'p99 ms', value: h.handoverP99Ms, target: '' },
      { figure: 'max ms', value: h.handoverMaxMs, target: '' },
    ]);
    out.handover = h;
  } catch (err) {
    console.log(`Redis not reachable (${(err as Error).message}): part skipped`);
  }

  // Last line: every figure as one JSON object.
  console.log(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
