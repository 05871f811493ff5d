import { FlowBatch } from '@sg/flows/flow-batch';
import { decodeFlows } from './flow-codec';
import { FlowPublisher, type FlowPublisherOptions } from './flow-publisher';
import { SlotPartitions } from './nest/bus-metrics';

/** Attributed records between VM slots (-1: outside). */
function batchOf(ends: [number, number][]): FlowBatch {
  const b = new FlowBatch(Math.max(1, ends.length));
  for (const [s, d] of ends) {
    const i = b.next();
    b.srcVm[i] = s;
    b.dstVm[i] = d;
    b.direction[i] = s >= 0 && d >= 0 ? 3 : s >= 0 ? 2 : d >= 0 ? 1 : 0;
    b.endMs[i] = 1000 + i;
  }
  return b;
}

interface Sent {
  subject: string;
  records: number;
  id: string;
  settle: (ok: boolean) => void;
}

/** A sink whose publishes stay open until the test settles them. */
function heldSink() {
  const sent: Sent[] = [];
  const sink = (subject: string, payload: Uint8Array, id: string) =>
    new Promise<unknown>((resolve, reject) => {
      const into = new FlowBatch(1024);
      sent.push({
        subject,
        records: decodeFlows(payload, into),
        id,
        settle: (ok) => (ok ? resolve(undefined) : reject(new Error('nats: timeout'))),
      });
    });
  return { sent, sink };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FlowPublisher', () => {
  const parts = Int16Array.from([0, 1, 2, 1]);
  /** A publisher over slots 0-3 (partitions 0, 1, 2, 1 of 4). */
  const publisher = (sink: ReturnType<typeof heldSink>['sink'], extra: Partial<FlowPublisherOptions> = {}) =>
    new FlowPublisher(sink, { partitions: 4, subjectPrefix: 'sg.flows', partitionOfSlot: () => parts, ...extra });

  it("sends a record to its VM's partition, a VM-to-VM record to both (once when shared), and skips the unattributed", async () => {
    const { sent, sink } = heldSink();
    const p = publisher(sink);
    p.consume(
      batchOf([
        [0, -1], // p0
        [-1, 2], // p2
        [1, 2], // p1 and p2
        [1, 3], // both p1: once
        [-1, -1], // unattributed
        [9, -1], // slot unknown to the inventory yet
      ]),
    );
    p.flush();
    expect(sent.map((s) => `${s.subject}:${s.records}`).sort()).toEqual([
      'sg.flows.0:1',
      'sg.flows.1:2',
      'sg.flows.2:2',
    ]);
    for (const s of sent) s.settle(true);
    await p.close();
    expect(p.publishedRecords).toBe(5);
    expect(p.pending).toBe(0);
  });

  it('sends a message when it holds messageRecords records, without waiting for the timer', () => {
    const { sent, sink } = heldSink();
    const p = publisher(sink, {
      messageRecords: 10,
    });
    p.consume(batchOf(Array.from({ length: 25 }, () => [0, -1] as [number, number])));
    expect(sent.map((s) => s.records)).toEqual([10, 10]);
  });

  it("keeps each partition's records in their order and whole, across messages and batches", () => {
    const got = new Map<string, number[][]>();
    const sink = (subject: string, payload: Uint8Array) => {
      const into = new FlowBatch(1024);
      const n = decodeFlows(payload, into);
      const rows = Array.from({ length: n }, (_, i) => [into.endMs[i], into.srcAddr[i << 2], into.dstPort[i]]);
      got.set(subject, [...(got.get(subject) ?? []), ...rows]);
      return Promise.resolve();
    };
    const p = publisher(sink, { messageRecords: 3 });
    const ends: [number, number][] = [];
    for (let i = 0; i < 40; i++) ends.push([i % 4, i % 5 === 0 ? (i + 1) % 4 : -1]);
    const expected = new Map<string, number[][]>();
    for (const round of [0, 1]) {
      const b = batchOf(ends);
      for (let i = 0; i < b.length; i++) {
        b.endMs[i] = round * 1000 + i;
        b.srcAddr[i << 2] = 0x0a000000 + i;
        b.dstPort[i] = 1000 + i;
        const partsOf = new Set([parts[b.srcVm[i]], b.dstVm[i] >= 0 ? parts[b.dstVm[i]] : -1]);
        for (const q of partsOf)
          if (q >= 0) {
            const subject = `sg.flows.${q}`;
            expected.set(subject, [...(expected.get(subject) ?? []), [b.endMs[i], b.srcAddr[i << 2], b.dstPort[i]]]);
          }
      }
      p.consume(b);
    }
    p.flush();
    expect(new Map([...got].sort())).toEqual(new Map([...expected].sort()));
  });

  it('asks uploads to wait past the soft cap, sheds and counts past the hard cap', async () => {
    const { sent, sink } = heldSink();
    const p = publisher(sink, {
      messageRecords: 1,
      softPending: 4,
      hardPending: 8,
    });
    p.consume(batchOf(Array.from({ length: 4 }, () => [0, -1] as [number, number])));
    expect(p.room()).toBeUndefined();
    p.consume(batchOf(Array.from({ length: 6 }, () => [0, -1] as [number, number])));
    p.flush();
    expect(p.pending).toBe(8);
    expect(p.shedRecords).toBe(2);
    const wait = p.room();
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => (released = true));
    for (const s of sent.slice(0, 5)) s.settle(true);
    await tick();
    expect(released).toBe(false); // 3 pending: above half the soft cap
    sent[5].settle(true);
    await tick();
    expect(released).toBe(true);
  });

  it('counts a failed publish and retries it with the same message id; gives up after the attempts, counted', async () => {
    const { sent, sink } = heldSink();
    const p = publisher(sink, {
      attempts: 2,
      retryMs: 1,
    });
    p.consume(batchOf([[0, -1]]));
    p.consume(batchOf([[1, -1]]));
    p.flush();
    sent[0].settle(false);
    sent[1].settle(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(sent.length).toBe(4);
    expect(sent[2].id).toBe(sent[0].id);
    expect(sent[3].id).toBe(sent[1].id);
    expect(p.publishErrors).toBe(2);
    sent[2].settle(true);
    sent[3].settle(false);
    await p.close();
    expect(p.publishErrors).toBe(3);
    expect(p.publishedRecords).toBe(1);
    expect(p.lostRecords).toBe(1);
    expect(p.pending).toBe(0);
  });

  it('SlotPartitions hashes only slots added since the last call', () => {
    const ids = ['a', 'b'];
    let hashed = 0;
    const sp = new SlotPartitions(
      (id) => (hashed++, id.charCodeAt(0) % 3),
      () => ids,
    );
    expect(Array.from(sp.get())).toEqual([97 % 3, 98 % 3]);
    expect(sp.get()).toBe(sp.get());
    ids.push('c');
    expect(Array.from(sp.get())).toEqual([97 % 3, 98 % 3, 99 % 3]);
    expect(hashed).toBe(3);
  });
});
