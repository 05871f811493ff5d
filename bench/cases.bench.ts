/**
 * npm run bench:cases — the case pipeline on a real PostgreSQL (a throw-away database) and a
 * throw-away redis-server:
 * 1. findings turned into cases per second, with merging: 20,000 findings over 2,000 VMs (two kinds
 *    per VM, two incidents per kind, updates of each), through OpenCaseService and PostgreSQL —
 *    in batches of 1,000 through the service, and one BullMQ job per finding through the "findings"
 *    queue and its processor; owners' notices and the scheduling of deadline jobs included.
 * 2. the reconciler's sweep with 100,000 open cases (and 100,000 closed ones), 1% due: read
 *    through the partial indexes and enqueue. The plans are printed to show no table scan.
 * Targets (issue): >= 2,000 findings/s; sweep < 1 s.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { CaseMailModule } from '@sg/case-mail';
import { CaseNotices, CaseQueryService, CasesModule, CasesWorkerModule, OpenCaseService } from '@sg/cases';
import { loadConfig } from '@sg/common';
import { CoreModule } from '@sg/core';
import { EscalationModule, EscalationSweep } from '@sg/escalation';
import { QueueName, QueueService, type FindingDocument } from '@sg/queues';
import { startRedisServer } from '../test/support/redis-server';
import { benchSize } from './bench-size';
import { report } from './report';

const VMS = benchSize(2000, 20);
const FINDINGS = benchSize(20_000, 200);
const OPEN_CASES = benchSize(100_000, 1_000);
const CLOSED_CASES = benchSize(100_000, 1_000);
const DUE_SHARE = 0.01;

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** 20,000 findings: per VM two kinds x two incidents, each incident sent as an opening and updates. */
function findings(): FindingDocument[] {
  const t0 = Date.now() - 30 * 60_000;
  const out: FindingDocument[] = [];
  const perVm = FINDINGS / VMS;
  for (let round = 0; round < perVm; round++) {
    for (let v = 0; v < VMS; v++) {
      const kind = round % 2 === 0 ? 'port-scan' : 'brute-force';
      const incident = (round >> 1) % 2;
      const update = round >> 2;
      const last = t0 + round * 60_000;
      out.push({
        id: `bench-${v}-${kind}-${incident}`,
        vmId: `vm-${v}`,
        deploymentId: `dep-${v >> 3}`,
        subscriptionId: `sub-${v >> 6}`,
        role: 'source',
        direction: 'outbound',
        kind,
        severity: update > 0 ? 'high' : 'medium',
        firstSeen: new Date(t0).toISOString(),
        lastSeen: new Date(last).toISOString(),
        counts: {
          flows: 100 * (update + 1),
          packets: 300 * (update + 1),
          bytes: 30_000 * (update + 1),
          distinctPeers: 30 + update,
          distinctPorts: 1,
        },
        topPeers: [0, 1, 2].map((p) => ({
          ip: `198.51.${v & 255}.${p + incident * 3}`,
          flows: 10 * (update + 1),
          packets: 30,
          bytes: 3000,
        })),
        sampleFlows: [
          {
            src: `10.${v >> 8}.${v & 255}.1`,
            dst: `198.51.${v & 255}.${incident}`,
            dstPort: kind === 'port-scan' ? 22 + round : 22,
            proto: 6,
          },
        ],
        ports: [22],
        rule: {
          name: `${kind}.rule`,
          threshold: 25,
          observed: 30 + update,
          window: '5m',
          description: `bench ${kind}`,
        },
        status: 'active',
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const dbName = `sg_bench_cases_${randomBytes(4).toString('hex')}`;
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const cfg = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: u.toString(),
    DATABASE_POOL_SIZE: '20',
    REDIS_URL: redis.url,
    CASE_REMINDERS: '50%,1h',
  });

  // No escalation consumers: the sweep's jobs stay in Redis, so the sweep is measured alone.
  // Owners' notices go through the case-mail bridge, as in the worker role.
  @Module({ imports: [CoreModule.forRoot(cfg), CasesModule, CasesWorkerModule, EscalationModule, CaseMailModule] })
  class BenchModule {}

  // Errors only, and thrown rather than exiting: a benchmark that cannot start says why.
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'], abortOnError: false });
  const db = new Client({ connectionString: cfg.DATABASE_URL });
  await db.connect();
  try {
    const cases = app.get(OpenCaseService);
    const notices = app.get(CaseNotices);
    const all = findings();

    // 1a. Half the VMs through OpenCaseService in batches of 1,000, in event-time order.
    const batched = all.filter((f) => Number(f.vmId.slice(3)) < VMS / 2);
    let t = process.hrtime.bigint();
    const sums = { opened: 0, merged: 0, unchanged: 0 };
    for (let i = 0; i < batched.length; i += 1000) {
      const r = await cases.ingest(batched.slice(i, i + 1000));
      sums.opened += r.opened;
      sums.merged += r.merged;
      sums.unchanged += r.unchanged;
    }
    await notices.drain();
    const batchSec = Number(process.hrtime.bigint() - t) / 1e9;

    // 1b. The other VMs through the "findings" queue, as detection publishes them: one job per
    // finding, consumed by FindingsProcessor (FINDINGS_CONCURRENCY at once, gathered into shared transactions).
    const single = all.filter((f) => Number(f.vmId.slice(3)) >= VMS / 2);
    const queues = app.get(QueueService);
    const queue = queues.queue(QueueName.FINDINGS);
    t = process.hrtime.bigint();
    for (let i = 0; i < single.length; i += 1000) {
      await queues.enqueueBulk(
        single
          .slice(i, i + 1000)
          .map((finding) => ({ queue: QueueName.FINDINGS, name: 'finding.upsert', data: { finding } })),
      );
    }
    for (;;) {
      const c = await queue.getJobCounts('completed', 'failed');
      if (c.failed) throw new Error(`${c.failed} finding jobs failed`);
      if (c.completed >= single.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await notices.drain();
    const singleSec = Number(process.hrtime.bigint() - t) / 1e9;
    const counted = await db.query(
      `SELECT count(*) FILTER (WHERE status <> 'open') AS notified, count(*) AS opened FROM cases WHERE vm_id LIKE 'vm-%'`,
    );
    sums.opened = Number(counted.rows[0].opened);
    sums.merged = FINDINGS - sums.opened;
    const notified = Number(counted.rows[0].notified);
    const open = Number((await db.query(`SELECT count(*) FROM cases WHERE closed_at IS NULL`)).rows[0].count);
    if (open !== VMS * 2 || notified !== open || batched.length + single.length !== FINDINGS) {
      throw new Error(`unexpected result: ${open} open cases, ${JSON.stringify(sums)}`);
    }

    // 2. 100,000 open cases (1% due; some with reminders due, some control-plane calls in flight) and 100,000 closed.
    await db.query(`
      INSERT INTO cases (vm_id, deployment_id, subscription_id, role, direction, kind, severity, status, resolution, closed_at,
                         deadline_at, deadline_set_at, next_reminder_at, pending_action_id, shutdown_count, evidence)
      SELECT 'vm-closed-' || g, 'dep-x', 'sub-x', 'source', 'outbound', 'port-scan', 'medium', 'resolved', 'true-positive',
             now() - interval '1 day', now() - interval '2 days', now() - interval '3 days', NULL, NULL, 0, '{}'::jsonb
        FROM generate_series(1, ${CLOSED_CASES}) g`);
    await db.query(
      `
      INSERT INTO cases (vm_id, deployment_id, subscription_id, role, direction, kind, severity, status,
                         deadline_at, deadline_set_at, next_reminder_at, pending_action_id, shutdown_count, evidence)
      SELECT 'vm-open-' || g, 'dep-y', 'sub-y', 'source', 'outbound', 'port-scan', 'medium',
             CASE WHEN g % 500 = 0 THEN 'shutdown-pending' WHEN g % 3 = 0 THEN 'extended' ELSE 'notified' END,
             CASE WHEN g <= $1 THEN now() - interval '1 minute' ELSE now() + (g || ' seconds')::interval END,
             now() - interval '1 hour',
             CASE WHEN g % 200 = 1 THEN now() - interval '1 minute' ELSE now() + (g || ' seconds')::interval END,
             CASE WHEN g % 500 = 0 THEN gen_random_uuid() END,
             CASE WHEN g % 500 = 0 THEN 1 ELSE 0 END,
             '{}'::jsonb
        FROM generate_series(1, ${OPEN_CASES - VMS * 2}) g`,
      [Math.round(OPEN_CASES * DUE_SHARE)],
    );
    await db.query('ANALYZE cases');
    const openNow = Number((await db.query(`SELECT count(*) FROM cases WHERE closed_at IS NULL`)).rows[0].count);

    const sweep = app.get(EscalationSweep);
    const first = await sweep.sweep();
    const second = await sweep.sweep();
    const query = app.get(CaseQueryService);
    const plans = {
      deadlines: await query.explainDue('deadlines', new Date(), 5000),
      reminders: await query.explainDue('reminders', new Date(), 5000),
      actions: await query.explainDue('actions', new Date(), 5000),
    };
    const indexOnly = Object.values(plans).every((p) => !/Seq Scan/.test(p));
    const planUsed = (p: string) => /Index Scan using (\w+)/.exec(p)?.[1] ?? 'NO INDEX';

    report('cases', [
      { figure: 'findings', value: FINDINGS, target: '' },
      { figure: 'VMs', value: VMS, target: '' },
      { figure: 'cases opened', value: sums.opened, target: '' },
      { figure: 'findings merged into open cases', value: sums.merged, target: '' },
      { figure: 'owners notified (open -> notified)', value: notified, target: '' },
      { figure: 'findings/s (batches of 1000)', value: Math.round(batched.length / batchSec), target: '>= 2000' },
      {
        figure: 'findings/s (through the findings queue)',
        value: Math.round(single.length / singleSec),
        target: '>= 2000',
      },
      { figure: 'open cases at sweep', value: openNow, target: '100000' },
      { figure: 'closed cases at sweep', value: CLOSED_CASES, target: '' },
      {
        figure: 'due: deadlines / reminders / actions',
        value: `${first.deadlines} / ${first.reminders} / ${first.actions}`,
        target: '',
      },
      { figure: 'sweep ms (query + enqueue)', value: Math.round(first.ms), target: '< 1000' },
      { figure: 'sweep ms again (all already enqueued)', value: Math.round(second.ms), target: '< 1000' },
      { figure: 'deadline query plan', value: planUsed(plans.deadlines), target: 'cases_deadline_due_idx' },
      { figure: 'reminder query plan', value: planUsed(plans.reminders), target: 'cases_reminder_due_idx' },
      { figure: 'action query plan', value: planUsed(plans.actions), target: 'cases_action_pending_idx' },
      { figure: 'no sequential scan', value: String(indexOnly), target: 'true' },
    ]);
  } finally {
    await db.end();
    await app.close();
    await redis.stop();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
