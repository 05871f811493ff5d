import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectionService } from '@sg/detection';
import { InventoryIndexService } from '@sg/inventory';
import { api, startTestApp, type TestApp } from '../support/test-app';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const LINES = 200_000;

/**
 * Detection runs on its own thread behind a bounded queue. An HTTP upload much larger than the
 * queue waits for room instead of losing records: every line of it is analysed, none is shed.
 */
describe('detection thread behind a small queue (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let ingest: string;

  beforeAll(async () => {
    // Two slots of 8,192 records: the upload is 12 times larger.
    t = await startTestApp({ roles: ['api'], env: { DETECTION_QUEUE_RECORDS: '16384' } });
    await api(t.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 's1', name: 'S1', contacts: ['a@s1.example'] }],
      deployments: [{ id: 'd1', subscriptionId: 's1', name: 'd' }],
      vms: Array.from({ length: 50 }, (_, i) => ({
        id: `vm-${i}`,
        deploymentId: 'd1',
        name: `web-${i}`,
        addresses: [{ ip: `10.0.1.${i + 1}` }],
      })),
    });
    ingest = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('holds a large upload until detection has room: every line analysed, nothing shed', async () => {
    const detection = t.app.get(DetectionService);
    const before = await detection.threads[0].stats();
    // Keep the detection thread busy for a while (reading a large threat list), so the queue
    // fills up while the upload is being parsed: without waiting, most of it would be shed.
    const dir = mkdtempSync(join(tmpdir(), 'sg-list-'));
    const list = join(dir, 'drop.txt');
    writeFileSync(
      list,
      Array.from({ length: 600_000 }, (_, i) => `100.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).join('\n'),
    );
    const busy = detection.threads[0].setThreatLists([{ category: 'drop', path: list }]);
    const now = Math.floor(Date.now() / 1000) - 300;
    const lines = [HEADER];
    for (let i = 0; i < LINES; i++) {
      const t0 = now + (i % 120);
      lines.push(
        `2 1 eni-a 203.0.${(i >> 8) & 255}.${i & 255} 10.0.1.${(i % 50) + 1} ${1024 + (i % 60000)} 443 6 8 4000 ${t0} ${t0 + 2} ACCEPT OK`,
      );
    }
    const res = await fetch(`${t.url}/api/v1/flows/aws-vpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'text/plain' },
      body: lines.join('\n'),
    });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(LINES);
    expect((await busy)[0].entries).toBe(600_000);
    rmSync(dir, { recursive: true, force: true });
    await detection.drain();
    const after = await detection.threads[0].stats();
    expect(detection.threads[0].shed).toBe(0);
    expect(after.records - before.records).toBe(LINES);

    const metrics = await api(t.url, 'GET', '/metrics');
    expect(metrics.body as string).toMatch(/^safeguards_detection_shed_records_total\{[^}]*\} 0$/m);
    expect(metrics.body as string).toMatch(/^safeguards_detection_queued_records_capacity\{[^}]*\} 16384$/m);
  });
});

/**
 * DETECTION_THREADS=2: the VMs are split between two detection threads by slot. Each thread takes
 * only its VMs' records, both find their VMs' scans, and a re-check goes to the thread keeping the VM.
 */
describe('detection split over two threads (real PostgreSQL and Redis)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ roles: ['api'], env: { DETECTION_THREADS: '2' } });
    await api(t.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 's2', name: 'S2', contacts: ['a@s2.example'] }],
      deployments: [{ id: 'd2', subscriptionId: 's2', name: 'd' }],
      vms: Array.from({ length: 4 }, (_, i) => ({
        id: `split-${i}`,
        deploymentId: 'd2',
        name: `split-${i}`,
        addresses: [{ ip: `10.0.2.${i + 1}` }],
      })),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('each thread analyses its own VMs, finds their scans, and answers re-checks for them', async () => {
    const detection = t.app.get(DetectionService);
    expect(detection.threads).toHaveLength(2);
    const token = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'shipper2', role: 'ingest' })).body.token;
    const now = Math.floor(Date.now() / 1000) - 300;
    const lines = [HEADER];
    // Every VM scans 300 outside hosts on port 23 (rejected), over two minutes.
    for (let vm = 1; vm <= 4; vm++)
      for (let h = 0; h < 300; h++) {
        const s = now + Math.floor(h / 3);
        lines.push(
          `2 1 eni-${vm} 10.0.2.${vm} 198.51.${100 + (h >> 8)}.${h & 255} ${40000 + h} 23 6 1 60 ${s} ${s + 1} REJECT OK`,
        );
      }
    const res = await fetch(`${t.url}/api/v1/flows/aws-vpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: lines.join('\n'),
    });
    expect(res.status).toBe(202);
    await detection.drain();
    const records = await Promise.all(detection.threads.map(async (th) => (await th.stats()).records));
    expect(records[0] + records[1]).toBe(1200);
    expect(records[0]).toBeGreaterThan(0);
    expect(records[1]).toBeGreaterThan(0);
    const registry = t.app.get(InventoryIndexService).registry;
    for (let vm = 0; vm < 4; vm++) {
      const slot = registry.slotOf(`split-${vm}`);
      const r = await detection.recheck(slot, 'source', 'port-scan', 600_000);
      expect(r).toMatchObject({ vmSlot: slot, present: true });
    }
  });
});
