import { Cluster } from 'ioredis';
import { DataSource } from 'typeorm';
import { loadConfig } from '@sg/common';
import {
  answerLiveRechecks,
  createRedisClient,
  listenForChanges,
  LiveRecheckClient,
  QueueName,
  queuePrefix,
  QueueService,
  type RedisClient,
} from '@sg/queues';
import { makeFinding } from '../cases/support/findings';
import { startRedisCluster } from '../support/redis-cluster';
import { api, startTestApp, type TestApp } from '../support/test-app';

/**
 * Safeguards on a real 3-master Redis Cluster (Debian's redis-server, scripts/redis-cluster.sh):
 * a job goes through a BullMQ queue to its processor, every key of that queue sits in one hash
 * slot (the per-queue hash tag of the prefix; the same names without it spread over slots), the
 * health check sees the cluster, and the live re-check counts its listeners across the cluster.
 */
describe('BullMQ and pub/sub on Redis Cluster (REDIS_CLUSTER)', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  let t: TestApp;
  let admin: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    t = await startTestApp({ env: { REDIS_CLUSTER: cluster.nodes } });
    admin = new Cluster(t.config.REDIS_CLUSTER);
  });
  afterAll(async () => {
    admin?.disconnect();
    await t?.close();
    await cluster?.stop();
  });

  async function keysOnEveryMaster(pattern: string): Promise<string[]> {
    const out: string[] = [];
    for (const node of admin.nodes('master')) out.push(...(await node.keys(pattern)));
    return out.sort();
  }

  it('a finding goes through the findings queue and opens a case; all the queue keys hash to one slot', async () => {
    const prefix = queuePrefix(t.config, QueueName.FINDINGS);
    expect(prefix).toBe(`{${t.config.QUEUE_PREFIX}:findings}`);
    const finding = makeFinding({ vmId: 'vm-cluster', kind: 'brute-force' });
    const queues = t.app.get(QueueService);
    const jobId = await queues.enqueue({
      queue: QueueName.FINDINGS,
      name: 'finding.upsert',
      data: { finding },
      jobId: `finding:${finding.id}`,
    });
    const q = queues.queue(QueueName.FINDINGS);
    const until = Date.now() + 20_000;
    while ((await q.getJobState(jobId!)) !== 'completed') {
      if (Date.now() > until) throw new Error(`job ${jobId} is ${await q.getJobState(jobId!)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await t.app.get(DataSource).query(`SELECT kind FROM cases WHERE vm_id = 'vm-cluster'`);
    expect(rows).toEqual([{ kind: 'brute-force' }]);

    const keys = await keysOnEveryMaster(`${prefix}:findings:*`);
    // The job, its events, the completed set, the queue's meta, ...
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(keys).toContain(`${prefix}:findings:completed`);
    const slots = new Set(await Promise.all(keys.map((k) => admin.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);
    // The same key names under the single-Redis prefix spread over slots: the tag is what keeps them together.
    const untagged = keys.map((k) => k.replace(prefix, t.config.QUEUE_PREFIX));
    const untaggedSlots = new Set(await Promise.all(untagged.map((k) => admin.cluster('KEYSLOT', k))));
    expect(untaggedSlots.size).toBeGreaterThan(1);
  });

  it('the queues spread over the masters, and every queue of the catalogue is served', async () => {
    const slots = await Promise.all(
      Object.values(QueueName).map((name) => admin.cluster('KEYSLOT', `${queuePrefix(t.config, name)}:${name}:meta`)),
    );
    expect(new Set(slots).size).toBe(Object.values(QueueName).length);
    for (const name of Object.values(QueueName)) {
      expect(await t.app.get(QueueService).queue(name).getJobCounts('wait')).toEqual({ wait: 0 });
    }
  });

  it('/healthz checks the cluster (cluster_state:ok)', async () => {
    const res = await api(t.url, 'GET', '/healthz', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body.details.redis).toEqual({ status: 'up' });
  });

  it('change notices (classic pub/sub) reach subscribers on every node, whichever node the publisher used', async () => {
    const target = loadConfig({ REDIS_CLUSTER: cluster.nodes });
    const channel = `sgt-notices-${process.pid}`;
    const heard: string[][] = [[], [], []];
    const listeners = heard.map((got, n) =>
      listenForChanges(target, `notice-${n}`, channel, {
        onNotice: (m) => got.push(m),
        onReconnect: () => undefined,
        onSubscribeError: (err) => {
          throw err;
        },
      }),
    );
    const publisher = createRedisClient(target, 'notice-publisher');
    publisher.on('error', () => undefined);
    try {
      await Promise.all(listeners.map((l) => l.subscribed));
      await new Promise((r) => (publisher.status === 'ready' ? r(null) : publisher.once('ready', r)));
      // Subscribers may sit on any node; the cluster bus carries each message to all of them.
      for (let k = 0; k < 3; k++) await publisher.publish(channel, `v${k}`);
      const until = Date.now() + 5000;
      while (heard.some((h) => h.length < 3) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      // Each PUBLISH may go to another node, so notices can arrive out of order (their users only reload).
      expect(heard.map((h) => [...h].sort())).toEqual([
        ['v0', 'v1', 'v2'],
        ['v0', 'v1', 'v2'],
        ['v0', 'v1', 'v2'],
      ]);
    } finally {
      for (const l of listeners) l.subscriber.disconnect();
      publisher.disconnect();
    }
  });

  it('the live re-check hears every detection process on the cluster and counts them all (sharded pub/sub)', async () => {
    const target = loadConfig({ REDIS_CLUSTER: cluster.nodes });
    const prefix = `sgt-recheck-${process.pid}`;
    const clients: RedisClient[] = [];
    const client = (name: string) => {
      const c = createRedisClient(target, name);
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };
    // Three answering processes: each subscribes through its own cluster connection.
    const answerers = [1, 2, 3].map((n) =>
      answerLiveRechecks(
        target,
        prefix,
        client(`answer-${n}`),
        async () => ({ holds: n === 2, present: n === 2, responder: `proc-${n}`, figures: { n } }),
        (err) => {
          throw err;
        },
      ),
    );
    await Promise.all(answerers.map((a) => a.subscribed));
    // Publishers fail fast while not connected (as in the app, where they connect at start).
    await Promise.all(clients.map((c) => new Promise((r) => (c.status === 'ready' ? r(null) : c.once('ready', r)))));
    const asker = new LiveRecheckClient(target, prefix, clients[0]);
    try {
      const out = await asker.ask({ vmId: 'vm-1', role: 'source', kind: 'port-scan', windowMs: 60_000 }, 5000);
      expect(out.listeners).toBe(3);
      expect(out.timedOut).toBe(false);
      expect(out.answers.map((a) => a.responder).sort()).toEqual(['proc-1', 'proc-2', 'proc-3']);
      expect(out.answers.find((a) => a.holds)).toMatchObject({ responder: 'proc-2', present: true });
    } finally {
      asker.close();
      for (const a of answerers) a.subscriber.disconnect();
      for (const c of clients) c.disconnect();
    }
  });
});
