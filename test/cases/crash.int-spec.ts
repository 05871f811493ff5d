import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { CaseScheduler } from '@sg/cases';
import { QueueName, QueueService } from '@sg/queues';
import { startRedisServer } from '../support/redis-server';
import { ADMIN_TOKEN, api, startTestApp, type TestApp } from '../support/test-app';
import { ControlPlane } from './support/control-plane';
import { INVENTORY, makeFinding } from './support/findings';
import { sleep, waitFor } from './support/wait-for';

const SECRET = 'control-plane-secret-0123456789';
const ROOT = join(__dirname, '..', '..');

const shortDurations = (plane: ControlPlane, redisUrl: string, deadline: string): Record<string, string> => ({
  REDIS_URL: redisUrl,
  CASE_DEADLINE_DEFAULT: deadline,
  CASE_DEADLINE_FLOOD: deadline,
  RECHECK_WINDOW: '1m',
  CASE_REMINDERS: 'none',
  ESCALATION_RECONCILE_INTERVAL: '500ms',
  DEPLOYMENT_CONTROL_URL: plane.url,
  DEPLOYMENT_CONTROL_SECRET: SECRET,
  DEPLOYMENT_CONTROL_TIMEOUT: '30s',
  JOB_LOCK_DURATION: '2s',
});

/** Starts a worker process of its own (ts-node), so the test can kill it like a crash. */
async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join(__dirname, 'support', 'worker-process.ts'),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stderr!.on('data', (d) => (out += String(d)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker process did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}):\n${out}`)));
  });
  return child;
}

describe('crash safety (real PostgreSQL, Redis, HTTP, a worker process killed mid-request)', () => {
  it('(g) a worker killed in the middle of a shutdown: the next worker repeats the request under the same key, the deployment is shut down once', async () => {
    const redis = await startRedisServer();
    const plane = await ControlPlane.start(SECRET);
    let release!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    let first = true;
    // The first request is performed but never answered: the worker dies waiting for the answer.
    plane.answer = () => (first ? ((first = false), { hang: hung }) : { status: 200, body: '{"ok":true}' });
    const env = shortDurations(plane, redis.url, '2s');
    const apiApp = await startTestApp({ roles: ['api'], env });
    let child: ChildProcess | null = null;
    let next: TestApp | null = null;
    try {
      expect((await api(apiApp.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
      child = await startWorkerProcess({
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: apiApp.databaseUrl,
        DATABASE_POOL_SIZE: '4',
        MIGRATIONS_RUN: 'false',
        QUEUE_PREFIX: apiApp.config.QUEUE_PREFIX,
        ADMIN_TOKEN,
        PORT: '0',
        HOST: '127.0.0.1',
      });
      await apiApp.app.get(QueueService).enqueue({
        queue: QueueName.FINDINGS,
        name: 'finding.upsert',
        data: { finding: makeFinding({ vmId: 'vm-1', kind: 'flood', severity: 'critical' }) },
      });
      const opened = await waitFor(
        async () => (await api(apiApp.url, 'GET', '/api/v1/cases?kind=flood')).body[0],
        15_000,
      );

      // The request reaches the control plane (and is performed there); kill the worker before it hears back.
      await waitFor(() => plane.forCase(opened.id).length === 1, 15_000, 'the shutdown request');
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      release();
      expect((await api(apiApp.url, 'GET', `/api/v1/cases/${opened.id}`)).body.status).toBe('shutdown-pending');

      // A new worker takes the job over once the dead worker's lock expires (JOB_LOCK_DURATION).
      next = await startTestApp({ roles: ['worker'], env, databaseUrl: apiApp.databaseUrl });
      const c = await waitFor(async () => {
        const x = (await api(apiApp.url, 'GET', `/api/v1/cases/${opened.id}`)).body;
        return x.status === 'shut-down' ? x : null;
      }, 20_000);

      const requests = plane.forCase(opened.id);
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(new Set(requests.map((r) => r.key)).size).toBe(1);
      expect(requests.every((r) => r.signatureOk && r.body === requests[0].body)).toBe(true);
      expect(requests.slice(1).every((r) => r.replay)).toBe(true);
      expect(plane.performedFor(opened.id)).toHaveLength(1);
      expect(
        c.timeline.filter(
          (e: { toStatus: string; type: string }) => e.type === 'transition' && e.toStatus === 'shut-down',
        ),
      ).toHaveLength(1);
      expect(c.deploymentActions).toEqual([
        expect.objectContaining({ status: 'succeeded', attempts: requests.length }),
      ]);
      await sleep(1000);
      expect(plane.performedFor(opened.id)).toHaveLength(1);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      release();
      await next?.close();
      await apiApp.close();
      await plane.close();
      await redis.stop();
    }
  });

  it('(h) Redis loses every job while deadlines are pending: the reconciler re-enqueues from PostgreSQL and escalation is on time', async () => {
    const redis = await startRedisServer();
    const plane = await ControlPlane.start(SECRET);
    const t = await startTestApp({ env: shortDurations(plane, redis.url, '3s') });
    const flusher = new Redis(redis.url);
    try {
      expect((await api(t.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
      await t.app.get(QueueService).enqueue({
        queue: QueueName.FINDINGS,
        name: 'finding.upsert',
        data: { finding: makeFinding({ vmId: 'vm-2', kind: 'brute-force' }) },
      });
      const opened = await waitFor(async () => {
        const x = (await api(t.url, 'GET', '/api/v1/cases?kind=brute-force')).body[0];
        return x?.status === 'notified' ? x : null;
      });
      const escalation = t.app.get(QueueService).queue(QueueName.ESCALATION);
      const jobId = CaseScheduler.storedJobId(
        QueueName.ESCALATION,
        CaseScheduler.deadlineJobId({ id: opened.id, deadlineAt: new Date(opened.deadlineAt), escalationRound: 0 }),
      );
      expect(await escalation.getJob(jobId)).toBeTruthy();

      // This is the suite's own redis-server: flushing it touches no other suite.
      await flusher.flushall();
      expect(await escalation.getJob(jobId)).toBeFalsy();

      const c = await waitFor(async () => {
        const x = (await api(t.url, 'GET', `/api/v1/cases/${opened.id}`)).body;
        return x.status === 'shut-down' ? x : null;
      }, 15_000);
      const [request] = plane.forCase(opened.id);
      expect(plane.performedFor(opened.id)).toHaveLength(1);
      // On time: not before the deadline, and well within a reconcile interval or two after it.
      expect(request.at).toBeGreaterThanOrEqual(Date.parse(opened.deadlineAt));
      expect(request.at - Date.parse(opened.deadlineAt)).toBeLessThan(1500);
      expect(c.timeline.some((e: { toStatus: string }) => e.toStatus === 'shutdown-pending')).toBe(true);
    } finally {
      flusher.disconnect();
      await t.close();
      await plane.close();
      await redis.stop();
    }
  });
});
