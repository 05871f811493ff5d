import type Redis from 'ioredis';
import { DetectionService } from '@sg/detection';
import { partitionOf } from '@sg/flowbus';
import { LiveRecheckClient, QueueName, QueueService, REDIS } from '@sg/queues';
import { uploadSshScan, waitForFindings } from '../support/aws-vpc-scan';
import { startNatsServer, type TestNatsServer } from '../support/nats-server';
import { api, startTestApp, type TestApp } from '../support/test-app';

const PARTITIONS = 8;

/**
 * FLOW_BUS=nats with real processes' module graphs: an api process publishes uploaded flows to the
 * bus (no detection of its own), two detector processes (index 0 and 1 of 2) read their
 * partitions, and the one owning the scanner VM's partition finds the scan and answers the live
 * re-check; the other says the VM is not its own.
 */
describe('the detector role over the flow bus', () => {
  let nats: TestNatsServer;
  let ingestApp: TestApp;
  const detectors: TestApp[] = [];

  const busEnv = (extra: Record<string, string> = {}) => ({
    FLOW_BUS: 'nats',
    NATS_URL: nats.url,
    FLOW_PARTITIONS: String(PARTITIONS),
    ...extra,
  });

  beforeAll(async () => {
    nats = await startNatsServer();
    ingestApp = await startTestApp({ roles: ['api'], env: busEnv() });
    await api(ingestApp.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 's1', name: 'S1', contacts: ['a@s1.example'] }],
      deployments: [{ id: 'd1', subscriptionId: 's1', name: 'd' }],
      vms: [{ id: 'vm-scanner', deploymentId: 'd1', name: 'scanner', addresses: [{ ip: '10.0.0.4' }] }],
    });
    for (const index of [0, 1])
      detectors.push(
        await startTestApp({
          roles: ['detector'],
          databaseUrl: ingestApp.databaseUrl,
          env: busEnv({ DETECTOR_INDEX: String(index), DETECTOR_COUNT: '2' }),
        }),
      );
  });

  afterAll(async () => {
    for (const d of detectors) await d.close();
    await ingestApp?.close();
    await nats?.destroy();
  });

  it('publishes uploads to the bus; the owning detector finds the scan and answers the live re-check', async () => {
    expect(() => ingestApp.app.get(DetectionService)).toThrow();
    for (const d of detectors) {
      let ready = await api(d.url, 'GET', '/readyz', undefined, null);
      for (let i = 0; i < 100 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = await api(d.url, 'GET', '/readyz', undefined, null);
      }
      expect(ready.status).toBe(200);
      expect(ready.body.info.flowbus.state).toBe('caught up');
    }

    const ingest = (await api(ingestApp.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;
    expect(await uploadSshScan(ingestApp.url, ingest, '10.0.0.4')).toBe(202);
    const queue = ingestApp.app.get(QueueService).queue(QueueName.FINDINGS);
    const scans = await waitForFindings(queue, (f) => f.kind === 'port-scan');
    expect(scans.length).toBeGreaterThan(0);
    expect(scans[0].vmId).toBe('vm-scanner');
    expect(new Set(scans.map((f) => f.id)).size).toBe(1);

    const owner = partitionOf('vm-scanner', PARTITIONS) % 2;
    const records = async (d: TestApp) => (await d.app.get(DetectionService).threads[0].stats()).records;
    expect(await records(detectors[owner])).toBe(200);
    expect(await records(detectors[1 - owner])).toBe(0);

    const metrics = await api(detectors[owner].url, 'GET', '/metrics');
    expect(metrics.body).toMatch(
      new RegExp(
        `safeguards_flowbus_consumed_records_total\\{partition="${partitionOf('vm-scanner', PARTITIONS)}"[^}]*\\} 200`,
      ),
    );
    expect(metrics.body).toMatch(/safeguards_flowbus_replay_done\{partition="\d+"[^}]*\} 1/);

    const client = new LiveRecheckClient(
      ingestApp.config,
      ingestApp.config.QUEUE_PREFIX,
      ingestApp.app.get<Redis>(REDIS),
    );
    try {
      const out = await client.ask(
        { vmId: 'vm-scanner', role: 'source', kind: 'port-scan', windowMs: 1_800_000 },
        5000,
      );
      // The two detectors listen; the api process runs no detection.
      expect(out.listeners).toBe(2);
      const holding = out.answers.filter((a) => a.holds);
      expect(holding).toHaveLength(1);
      expect(holding[0].present).toBe(true);
      expect(out.answers.find((a) => !a.holds)?.figures.reason).toMatch(/another detector/);
    } finally {
      client.close();
    }
  });
});
