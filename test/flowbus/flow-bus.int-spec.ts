import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  detectorConsumerName,
  ensureFlowStream,
  FLOW_STREAM,
  FLOW_SUBJECT_PREFIX,
  flowSubject,
  FlowPublisher,
  FlowSubscriber,
  ownedPartitions,
  partitionOf,
  partitionsOfSlots,
  PARTITION_IDLE_MS,
  type NatsConnection,
} from '@sg/flowbus';
import { FlowBatch } from '@sg/flows/flow-batch';
import { startNatsServer, type TestNatsServer } from '../support/nats-server';

const P = 8;

/** Attributed records: record k has VM slot `src[k]` (and `dst[k]` or -1) and carries k in `packets`. */
function batchOf(ends: [number, number][], firstSeq: number): FlowBatch {
  const b = new FlowBatch(ends.length);
  ends.forEach(([s, d], k) => {
    const i = b.next();
    b.setV4(i, 0x0a000000 + s, d >= 0 ? 0x0a000000 + d : 0xcb007101);
    b.startMs[i] = b.endMs[i] = 1_700_000_000_000 + k;
    b.packets[i] = firstSeq + k;
    b.srcVm[i] = s;
    b.dstVm[i] = d;
    b.direction[i] = d >= 0 ? 3 : 2;
  });
  return b;
}

describe('flow bus over a real NATS JetStream server', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  beforeEach(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await ensureFlowStream(jsm, { partitions: P, maxAgeMs: 600_000, maxBytes: 64 * 1024 * 1024 });
  });

  afterEach(async () => {
    await nc?.close();
    await server?.destroy();
  });

  const publisherFor = (vmIds: string[]) => {
    const parts = partitionsOfSlots(vmIds, P);
    return new FlowPublisher((subject, payload, msgID) => js.publish(subject, payload, { msgID }), {
      partitions: P,
      subjectPrefix: FLOW_SUBJECT_PREFIX,
      partitionOfSlot: () => parts,
      messageRecords: 50,
    });
  };

  /** A subscriber that records what it was handed: partition and the sequence numbers of its records. */
  const subscriberFor = (
    partitions: number[],
    got: Map<number, number[]>,
    opts: { horizonMs?: number; barrier?: () => Promise<void> } = {},
  ) =>
    new FlowSubscriber(js, jsm, {
      partitions,
      horizonMs: opts.horizonMs ?? 600_000,
      handle: (b) => {
        const seqs = got.get(b.busPartition) ?? [];
        for (let i = 0; i < b.length; i++) seqs.push(b.packets[i]);
        got.set(b.busPartition, seqs);
      },
      room: () => undefined,
      barrier: opts.barrier ?? (async () => undefined),
      ackEveryMs: 50,
    });

  const until = async (what: () => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!what()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("the server's partition(n, token) mapping is the partitioner's FNV-1a for every key", async () => {
    const mapped = await startNatsServer({
      config: 'mappings = {\n  "in.*": "out.{{partition(64,1)}}.{{wildcard(1)}}"\n}\n',
    });
    const c = await connect({ servers: mapped.url });
    try {
      const keys = Array.from({ length: 2000 }, (_, i) =>
        i % 2 ? `vm-${i}` : `${(i * 2654435761) >>> 0}-4f1e-${i.toString(36)}-prod_eu-west-1`,
      );
      const seen = new Map<string, number>();
      const sub = c.subscribe('out.*.*', {
        callback: (_err: Error | null, m: { subject: string }) => {
          const [, p, key] = m.subject.split('.');
          seen.set(key, Number(p));
        },
      });
      for (const k of keys) c.publish(`in.${k}`);
      await c.flush();
      await until(() => seen.size === keys.length);
      sub.unsubscribe();
      const disagree = keys.filter((k) => seen.get(k) !== partitionOf(k, 64));
      expect(disagree).toEqual([]);
      expect(new Set(seen.values()).size).toBe(64);
    } finally {
      await c.close();
      await mapped.destroy();
    }
  });

  it('delivers each partition in order to its owner, and a VM-to-VM record to both VMs’ owners', async () => {
    const vmIds = Array.from({ length: 40 }, (_, i) => `vm-${i}`);
    const parts = partitionsOfSlots(vmIds, P);
    const pub = publisherFor(vmIds);
    pub.start();
    // 3000 records from single VMs, in 30 batches, then one VM-to-VM record between VMs of different owners.
    for (let k = 0; k < 30; k++)
      pub.consume(
        batchOf(
          Array.from({ length: 100 }, (_, j) => [(k * 100 + j) % 40, -1] as [number, number]),
          k * 100,
        ),
      );
    const a = vmIds.findIndex((_, s) => parts[s] % 2 === 0);
    const b = vmIds.findIndex((_, s) => parts[s] % 2 === 1);
    pub.consume(batchOf([[a, b]], 1_000_000));
    await pub.close();
    expect(pub.publishErrors).toBe(0);
    expect(pub.publishedRecords).toBe(3002);

    const got0 = new Map<number, number[]>();
    const got1 = new Map<number, number[]>();
    const s0 = subscriberFor(ownedPartitions(0, 2, P), got0);
    const s1 = subscriberFor(ownedPartitions(1, 2, P), got1);
    await Promise.all([s0.start(), s1.start()]);
    const total = () => [...got0.values(), ...got1.values()].reduce((n, v) => n + v.length, 0);
    await until(() => total() === 3002 && s0.ready && s1.ready);
    await Promise.all([s0.stop(), s1.stop()]);

    for (const [owner, got] of [
      [0, got0],
      [1, got1],
    ] as const)
      for (const [p, seqs] of got) {
        expect(p % 2).toBe(owner);
        const single = seqs.filter((x) => x < 1_000_000);
        expect(single).toEqual([...single].sort((x, y) => x - y));
        // Exactly the records of this partition's VMs.
        expect(single.length).toBe(Array.from({ length: 3000 }, (_, k) => k % 40).filter((s) => parts[s] === p).length);
      }
    expect(got0.get(parts[a])).toContain(1_000_000);
    expect(got1.get(parts[b])).toContain(1_000_000);
    const infos = await Promise.all(
      Array.from({ length: P }, (_, p) => jsm.consumers.info(FLOW_STREAM, detectorConsumerName(p))),
    );
    expect(infos.map((i) => i.num_ack_pending + i.num_pending)).toEqual(Array(P).fill(0));
  });

  it('a restarted detector replays from its ack floor minus the horizon (also after one that died replaying), and is ready only once that is absorbed', async () => {
    const vmIds = ['vm-a'];
    const p = partitionOf('vm-a', P);
    const pub = publisherFor(vmIds);
    const send = async (from: number) => {
      pub.consume(
        batchOf(
          Array.from({ length: 10 }, () => [0, -1] as [number, number]),
          from,
        ),
      );
      await pub.close();
    };
    await send(0); // X: older than the horizon when the first detector starts
    await new Promise((r) => setTimeout(r, 2500));
    await send(100); // Y
    const first = new Map<number, number[]>();
    const a = subscriberFor([p], first, { horizonMs: 1500 });
    await a.start();
    await until(() => a.ready);
    await a.stop();
    expect(first.get(p)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));

    await new Promise((r) => setTimeout(r, 2500));
    await send(200); // Z: published while no detector ran

    // A detector that dies replaying, before it acknowledged anything: the next one must replay from the same point.
    const lost = new Map<number, number[]>();
    const c = subscriberFor([p], lost, {
      horizonMs: 1500,
      barrier: () => Promise.reject(new Error('killed before detection confirmed')),
    });
    await c.start();
    await until(() => (lost.get(p)?.length ?? 0) === 20);
    await c.stop();
    expect(c.ready).toBe(false);

    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const second = new Map<number, number[]>();
    const b = subscriberFor([p], second, { horizonMs: 1500, barrier: () => held });
    await b.start();
    // Everything is handed over, but detection has not confirmed it: still replaying.
    await until(() => (second.get(p)?.length ?? 0) === 20);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.ready).toBe(false);
    expect(b.states.get(p)!.caughtUp).toBe(false);
    release();
    await until(() => b.ready);
    await b.stop();
    // Y again (its windows) and Z; not X, which is older than Y's time minus the horizon.
    expect(second.get(p)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => 100 + i),
      ...Array.from({ length: 10 }, (_, i) => 200 + i),
    ]);
    expect(b.states.get(p)!.replayFromMs).toBeLessThan(Date.now() - 4000);
  });

  it('bounds each batch by the collector’s uploads only, and reports a caught-up partition idle with that bound', async () => {
    const T = 1_700_000_000_000;
    const MIN = 60_000;
    const vmIds = ['vm-slow', 'vm-fast'];
    const parts = partitionsOfSlots(vmIds, P);
    expect(parts[0]).not.toBe(parts[1]);
    // The collector's uploads had reached T+15min when it published.
    const pub = new FlowPublisher((subject, payload, msgID) => js.publish(subject, payload, { msgID }), {
      partitions: P,
      subjectPrefix: FLOW_SUBJECT_PREFIX,
      partitionOfSlot: () => parts,
      messageRecords: 50,
      watermark: () => T + 15 * MIN,
    });
    // vm-slow's records from T on, vm-fast's 20 minutes later: 20 messages each, all in the stream before the detector starts.
    for (let k = 0; k < 10; k++) {
      const b = batchOf(
        Array.from({ length: 200 }, (_, j) => [j % 2, -1] as [number, number]),
        k * 200,
      );
      for (let j = 0; j < 200; j++) b.startMs[j] = b.endMs[j] = T + (j % 2) * 20 * MIN + (k * 100 + (j >> 1)) * 1000;
      pub.consume(b);
    }
    await pub.close();
    const handed: { p: number; wm: number }[] = [];
    const idle: { p: number; bound: number; at: number }[] = [];
    let lastHanded = 0;
    const s = new FlowSubscriber(js, jsm, {
      partitions: [...new Set(parts)],
      horizonMs: 600_000,
      handle: (b) => {
        handed.push({ p: b.busPartition, wm: b.watermarkMs });
        lastHanded = Date.now();
      },
      idle: (p, bound) => idle.push({ p, bound, at: Date.now() }),
      room: () => undefined,
      barrier: async () => undefined,
      ackEveryMs: 50,
    });
    await s.start();
    await until(() => s.ready && handed.length === 40);
    // Partitions replaying at their own pace are not held to each other (detection keeps a clock
    // per partition): every batch carries the collector's watermark, nothing lower.
    expect(new Set(handed.map((h) => h.wm))).toEqual(new Set([T + 15 * MIN]));
    // Caught up with nothing more to read: each partition is reported idle, with the collector's
    // bound, once its pull has waited PARTITION_IDLE_MS.
    await until(() => new Set(idle.map((i) => i.p)).size === 2);
    await s.stop();
    expect(new Set(idle.map((i) => i.p))).toEqual(new Set(parts));
    for (const i of idle) {
      expect(i.bound).toBe(T + 15 * MIN);
      expect(i.at - lastHanded).toBeGreaterThanOrEqual(PARTITION_IDLE_MS - 50);
    }
  });

  it('counts, terminates and skips a malformed message, and goes on with the next one', async () => {
    const p = partitionOf('vm-a', P);
    await js.publish(flowSubject(FLOW_SUBJECT_PREFIX, p), new TextEncoder().encode('{"not":"flows"}'));
    const pub = publisherFor(['vm-a']);
    pub.consume(batchOf([[0, -1]], 7));
    await pub.close();
    const got = new Map<number, number[]>();
    const s = subscriberFor([p], got);
    await s.start();
    await until(() => s.ready && got.get(p)?.length === 1);
    expect(s.malformed).toBe(1);
    expect(s.states.get(p)!.malformed).toBe(1);
    expect(got.get(p)).toEqual([7]);
    await new Promise((r) => setTimeout(r, 200));
    const info = await jsm.consumers.info(FLOW_STREAM, detectorConsumerName(p));
    // Terminated, not waiting for redelivery.
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
    await s.stop();
  });
});
