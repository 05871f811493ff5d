import { FlowBatch, FlowDirection, TcpFlag } from '@sg/flows/flow-batch';
import type { Finding } from '../engine/finding';
import { DetectionThread } from './detection-thread';

const DIRECTORY = { ids: ['vm-a', 'vm-b'], deploymentIds: ['dep-a', 'dep-b'], subscriptionIds: ['sub', 'sub'] };
const SCANNER = 0x0a000001;

/** A horizontal SYN scan from VM slot `vm` to `hosts` outside hosts on port 22, spread over 30 s. */
function scan(batch: FlowBatch, vm: number, hosts: number, startMs: number): void {
  for (let h = 0; h < hosts; h++) {
    const i = batch.next();
    batch.setV4(i, SCANNER + vm, (0xc6336400 + h) >>> 0);
    batch.startMs[i] = batch.endMs[i] = startMs + h * (30_000 / hosts);
    batch.srcPort[i] = 40000 + h;
    batch.dstPort[i] = 22;
    batch.proto[i] = 6;
    batch.setTcpFlags(i, TcpFlag.SYN);
    batch.packets[i] = 1;
    batch.bytes[i] = 60;
    batch.srcVm[i] = vm;
    batch.dstVm[i] = -1;
    batch.direction[i] = FlowDirection.OUTBOUND;
  }
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DetectionThread', () => {
  jest.setTimeout(30_000);
  let thread: DetectionThread | undefined;
  afterEach(async () => {
    await thread?.close();
    thread = undefined;
  });

  it('analyses batches on its own thread and names the VM in findings from the directory', async () => {
    const found: Finding[] = [];
    thread = new DetectionThread({ onFinding: (f) => found.push(f) });
    await thread.start();
    thread.setDirectory(DIRECTORY);
    const b = new FlowBatch(256);
    scan(b, 1, 60, Date.now() - 240_000);
    // An unattributed record in the same batch is not handed over.
    const u = b.next();
    b.endMs[u] = Date.now() - 200_000;
    thread.consume(b);
    await thread.advance(Date.now());
    await thread.drain();
    const f = found.find((x) => x.kind === 'port-scan');
    expect(f).toMatchObject({ vmId: 'vm-b', deploymentId: 'dep-b', role: 'source', status: 'active' });
    expect(thread.handed).toBe(60);
    const st = await thread.stats();
    expect(st.records).toBe(60);
    expect(thread.shed).toBe(0);
  });

  it('split in two by VM slot: each thread takes and analyses only the records of its own VMs', async () => {
    const found: [number, Finding][] = [];
    const threads = [0, 1].map(
      (index) => new DetectionThread({ onFinding: (f) => found.push([index, f]), partition: { index, count: 2 } }),
    );
    try {
      for (const t of threads) {
        await t.start();
        t.setDirectory(DIRECTORY);
      }
      const b = new FlowBatch(256);
      scan(b, 0, 60, Date.now() - 240_000);
      scan(b, 1, 60, Date.now() - 240_000);
      for (const t of threads) t.consume(b);
      for (const t of threads) {
        await t.advance(Date.now());
        await t.drain();
      }
      expect(threads.map((t) => t.handed)).toEqual([60, 60]);
      expect((await threads[0].stats()).records).toBe(60);
      const scans = found.filter(([, f]) => f.kind === 'port-scan').map(([t, f]) => `${t}:${f.vmId}`);
      expect([...new Set(scans)].sort()).toEqual(['0:vm-a', '1:vm-b']);
    } finally {
      for (const t of threads) await t.close();
    }
  });

  it('sheds and counts batches when its queue is full, and analyses all it accepted', async () => {
    thread = new DetectionThread({ onFinding: () => undefined, queueRecords: 16384, slotRecords: 8192 });
    await thread.start();
    thread.setDirectory(DIRECTORY);
    const b = new FlowBatch(8192);
    const t0 = Date.now() - 240_000;
    for (let i = 0; i < 8192; i++) {
      const j = b.next();
      b.setV4(j, SCANNER, (0x34000000 + i) >>> 0);
      b.startMs[j] = b.endMs[j] = t0 + (i % 1000);
      b.dstPort[j] = 443;
      b.proto[j] = 6;
      b.setTcpFlags(j, TcpFlag.ACK | TcpFlag.PSH);
      b.packets[j] = 10;
      b.bytes[j] = 5000;
      b.srcVm[j] = 0;
      b.direction[j] = FlowDirection.OUTBOUND;
    }
    // Far faster than one thread can analyse: two slots cannot hold 50 batches handed at once.
    for (let k = 0; k < 50; k++) thread.consume(b);
    expect(thread.shed).toBeGreaterThan(0);
    expect(thread.handed + thread.shed).toBe(50 * 8192);
    await thread.drain();
    expect((await thread.stats()).records).toBe(thread.handed);
    expect(thread.queuedSlots).toBe(0);
  });

  it('asks an HTTP producer to wait while the queue is more than half full', async () => {
    thread = new DetectionThread({ onFinding: () => undefined, queueRecords: 4 * 1024, slotRecords: 1024 });
    await thread.start();
    expect(thread.room()).toBeUndefined();
    const b = new FlowBatch(1024);
    scan(b, 0, 1024, Date.now() - 240_000);
    for (let k = 0; k < 4; k++) thread.consume(b);
    const wait = thread.room();
    if (wait) await wait; // the thread may already have caught up; either way the wait ends
    expect(thread.queuedSlots * 4).toBeLessThanOrEqual(4);
  });

  it('starts a new thread with the same directory and exceptions when the thread dies', async () => {
    const found: Finding[] = [];
    thread = new DetectionThread({ onFinding: (f) => found.push(f) });
    await thread.start();
    thread.setDirectory(DIRECTORY);
    thread.setSuppressionRules([
      {
        id: 'rule-1',
        scope: { vmId: 'vm-a' },
        kind: 'port-scan',
        role: 'source',
        reason: 'approved sweep',
      },
    ]);
    // What a fatal error in the thread looks like from here.
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await until(() => thread!.restarts === 1 && thread!.queuedSlots === 0);
    await thread.start();
    const b = new FlowBatch(256);
    scan(b, 0, 60, Date.now() - 240_000);
    await until(() => {
      thread!.consume(b);
      return thread!.handed > 0;
    });
    await thread.advance(Date.now());
    await thread.drain();
    const f = found.find((x) => x.kind === 'port-scan');
    expect(f).toMatchObject({ vmId: 'vm-a', suppressed: { ruleId: 'rule-1' } });
  });
});
