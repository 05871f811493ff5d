/**
 * npm run bench:scale — Safeguards past one process, measured end to end with real processes from
 * the built dist (`npm run build` first): NetFlow v5 from a sender process -> one collector
 * (receive, decode, attribute, publish) -> NATS JetStream (a nats-server started here) -> 1, 2
 * and 4 detector processes (consume, detect, findings to the queue), and the one-process default
 * (FLOW_BUS=memory: detection in the collector process) beside them. For each:
 *  - end-to-end records/s: records detection analysed, over the time from the first datagram until
 *    the last was analysed (no batch queued for a detection thread); the loss on the way (UDP at
 *    the collector, shed on the bus or before detection);
 *  - CPU per record of each stage, from the processes' own utime+stime (/proc/<pid>/stat): the
 *    collector, the nats-server (the bus), the detectors; and the bus's share of the whole;
 *  - the replay time of a detector after a restart: SIGKILL detector 0, start its replacement
 *    (same DETECTOR_INDEX) and time it from spawn until /readyz says it caught up.
 * On this 2-core machine every process shares the same two cores, so more detectors cannot add
 * throughput here; the per-record costs say what each added core or machine brings (README,
 * "Topology"). Prints a table and, last, one JSON line.
 *   SCALE_RATE (records/s offered, 400000), SCALE_SECONDS (5), SCALE_VMS (2000), SCALE_DETECTORS (1,2,4)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { processCpuMs, startAppProcess, type AppProcess } from '../test/support/app-process';
import { ADMIN_TOKEN, api } from '../test/support/http';
import { startRedisServer } from '../test/support/redis-server';
import { Topology } from '../test/scale/support/topology';
import { BENCH_SMOKE, benchSize } from './bench-size';
import { report } from './report';
import { udpSender } from './udp-blast';
import { buildPool } from './udp-sender';

const RATE = Number(process.env.SCALE_RATE ?? benchSize(400_000, 20_000));
const SECONDS = Number(process.env.SCALE_SECONDS ?? benchSize(5, 1));
const VMS = Number(process.env.SCALE_VMS ?? benchSize(2000, 100));
const DETECTORS = (process.env.SCALE_DETECTORS ?? (BENCH_SMOKE ? '1' : '1,2,4')).split(',').map(Number);
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const vmIp = (slot: number) => `10.0.${(slot >> 8) & 255}.${slot & 255}`;

/** NetFlow v5 datagrams (udp-sender.ts's pool, stamped now) between the VMS VMs and outside addresses. */
const send = udpSender(() => buildPool((pick) => vmIp(1 + pick(VMS))));

/** The nats-server serving `port` (found in /proc: the test helper keeps no pid). */
function natsPid(port: number): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('nats-server') && argv.includes(String(port))) return Number(d);
    } catch {
      // gone
    }
  }
  throw new Error(`no nats-server on port ${port}`);
}

interface Row extends Record<string, string | number> {
  topology: string;
}

/**
 * Waits until the pipeline is idle: `read` (records analysed) stopped growing over three looks
 * 100 ms apart and `busy` (batches queued for a detection thread, read live) is 0. Answers the
 * value and when the pipeline first became idle with it.
 */
async function settle(
  read: () => Promise<number>,
  busy: () => Promise<number>,
  timeoutMs = 300_000,
): Promise<{ value: number; at: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let at = Date.now();
  for (let same = 0; same < 3 && Date.now() < deadline;) {
    await sleep(100);
    const v = await read();
    const idle = (await busy()) === 0;
    if (v !== last || !idle) {
      last = v;
      same = 0;
      at = Date.now();
    } else same++;
  }
  return { value: last, at };
}

async function measure(t: Topology, detectors: number): Promise<Row> {
  const bus = t.opts.bus;
  const collector = t.collectors[0];
  const nats = t.nats ? natsPid(t.nats.port) : 0;
  const detection = t.detection;
  const cpu = () => ({
    collector: collector.cpuMs(),
    bus: nats ? processCpuMs(nats) : 0,
    detectors: bus === 'nats' ? detection.reduce((a, d) => a + d.cpuMs(), 0) : 0,
  });
  // Records in: what the detectors read from the bus, or what the one process decoded (both live
  // counters); done once no batch waits for a detection thread either.
  const analysed = () =>
    bus === 'nats'
      ? Topology.sum(detection, 'safeguards_flowbus_consumed_records_total')
      : Topology.sum(detection, 'safeguards_flow_records_decoded_total');
  const queued = () => Topology.sum(detection, 'safeguards_detection_queued_slots');
  const before = cpu();
  const started = Date.now();
  const sent = await send(collector.ports.netflow, RATE, SECONDS);
  const done = await settle(analysed, queued);
  const after = cpu();
  // The detection threads report their counters once a second.
  await sleep(1500);
  const m = await collector.metrics();
  const decoded = m.sum('safeguards_flow_records_decoded_total');
  const shed = m.sum('safeguards_flowbus_shed_records_total') + m.sum('safeguards_flowbus_lost_records_total');
  const detectShed = await Topology.sum(detection, 'safeguards_detection_shed_records_total');
  const detected = await Topology.sum(detection, 'safeguards_detection_records_total');
  const us = (ms: number, n: number) => (n > 0 ? +((ms * 1000) / n).toFixed(3) : 0);
  const c = after.collector - before.collector;
  const b = after.bus - before.bus;
  const d = after.detectors - before.detectors;
  const seconds = (done.at - started) / 1000;
  return {
    topology:
      bus === 'nats'
        ? `collector + JetStream + ${detectors} detector${detectors > 1 ? 's' : ''}`
        : 'one process (FLOW_BUS=memory)',
    offered: RATE,
    sent: sent.records,
    decoded,
    analysed: done.value,
    detected,
    'loss%': +(Math.max(0, 1 - detected / sent.records) * 100).toFixed(3),
    'bus shed': shed,
    'detect shed': detectShed,
    'e2e rec/s': Math.round(detected / seconds),
    'collector us/rec': us(c, decoded),
    'bus us/rec': us(b, detected),
    'detectors us/rec': us(d, detected),
    'total us/rec': us(c + b + d, detected),
    'bus share%': c + b + d > 0 ? +((b / (c + b + d)) * 100).toFixed(1) : 0,
  };
}

/** SIGKILL detector 0, start its replacement, time it until /readyz answers 200 (every partition caught up). */
async function replay(t: Topology): Promise<{ startMs: number; replayMs: number; records: number }> {
  await t.detectors[0].kill('SIGKILL');
  const spawned = Date.now();
  const d: AppProcess = (t.detectors[0] = await t.startDetector(0));
  const up = Date.now();
  for (;;) {
    const r = await fetch(`${d.url}/readyz`);
    await r.text();
    if (r.status === 200) break;
    if (Date.now() - up > 300_000) throw new Error('the replacement detector did not catch up in 5 min');
    await sleep(100);
  }
  const ready = Date.now();
  const records = (await d.metrics()).sum('safeguards_flowbus_consumed_records_total');
  return { startMs: up - spawned, replayMs: ready - up, records };
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const tpl = `sg_bench_scale_${process.pid}`;
  const dbs: string[] = [];
  const dbUrl = (name: string) => {
    const u = new URL(ADMIN_URL);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const rows: Row[] = [];
  try {
    // One migrated database with the inventory; each topology runs on a copy of it.
    await admin.query(`CREATE DATABASE "${tpl}"`);
    dbs.push(tpl);
    const core = await startAppProcess({
      name: 'migrate+import',
      roles: 'api',
      env: { DATABASE_URL: dbUrl(tpl), REDIS_URL: redis.url, ADMIN_TOKEN, MIGRATIONS_RUN: 'true', QUEUE_PREFIX: 'sgb' },
    });
    const vms = Array.from({ length: VMS }, (_, k) => ({
      id: `vm-${k + 1}`,
      deploymentId: 'bench',
      name: `vm-${k + 1}`,
      addresses: [{ ip: vmIp(k + 1) }],
    }));
    const imp = await api(core.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 'bench', name: 'Bench', contacts: ['bench@example.com'] }],
      deployments: [{ id: 'bench', subscriptionId: 'bench', name: 'bench' }],
      vms,
    });
    if (imp.status !== 200) throw new Error(`inventory import: ${imp.status} ${JSON.stringify(imp.body)}`);
    await core.stop();

    for (const n of [0, ...DETECTORS]) {
      const name = `${tpl}_${n}`;
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tpl}"`);
      dbs.push(name);
      const t = await Topology.start({
        bus: n === 0 ? 'memory' : 'nats',
        databaseUrl: dbUrl(name),
        redisUrl: redis.url,
        collectors: 1,
        detectors: n,
      });
      try {
        const row = await measure(t, n);
        if (n > 0) {
          const r = await replay(t);
          Object.assign(row, {
            'restart: start ms': r.startMs,
            'restart: replay ms': r.replayMs,
            'restart: records replayed': r.records,
          });
        }
        rows.push(row);
        console.log(JSON.stringify(row));
      } finally {
        await t.stop();
      }
    }
  } finally {
    for (const d of dbs.reverse()) await admin.query(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
    await admin.end();
    await redis.stop();
  }
  report('scale', rows);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
