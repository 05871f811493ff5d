import type { Job } from 'bullmq';
import { QueueName, QueueService } from '@sg/queues';
import { uploadSshScan, waitForFindings } from '../support/aws-vpc-scan';
import { api, startTestApp, type TestApp } from '../support/test-app';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/**
 * Flows in over HTTP, through attribution and detection, out as findings on the "findings"
 * queue: the whole detection edge in one process with the real PostgreSQL and Redis.
 */
describe('detection publishes findings on the queue', () => {
  let t: TestApp;
  let ingest: string;

  beforeAll(async () => {
    t = await startTestApp({ roles: ['api'] });
    await api(t.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 's1', name: 'S1', contacts: ['a@s1.example'] }],
      deployments: [{ id: 'd1', subscriptionId: 's1', name: 'd' }],
      vms: [
        { id: 'vm-scanner', deploymentId: 'd1', name: 'scanner', addresses: [{ ip: '10.0.0.4' }] },
        { id: 'vm-quiet', deploymentId: 'd1', name: 'quiet', addresses: [{ ip: '10.0.0.5' }] },
      ],
    });
    ingest = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('turns an outbound SSH scan in AWS VPC logs into one port-scan finding for the scanner VM', async () => {
    // 200 rejected SYN probes to distinct hosts on port 22 over two minutes, plus ordinary traffic of another VM.
    // Old enough that the windows are already past the lateness bound: evaluated at the next sweep.
    const now = Math.floor(Date.now() / 1000) - 600;
    const lines = [HEADER];
    for (let i = 0; i < 200; i++) {
      const t0 = now + Math.floor(i * 0.6);
      lines.push(
        `2 1 eni-a 10.0.0.4 198.51.${100 + (i >> 8)}.${i & 255} ${40000 + i} 22 6 1 60 ${t0} ${t0 + 1} REJECT OK`,
      );
    }
    for (let i = 0; i < 20; i++) {
      lines.push(`2 1 eni-b 203.0.113.9 10.0.0.5 ${50000 + i} 443 6 12 6000 ${now + i} ${now + i + 5} ACCEPT OK`);
      lines.push(`2 1 eni-b 10.0.0.5 203.0.113.9 443 ${50000 + i} 6 10 9000 ${now + i} ${now + i + 5} ACCEPT OK`);
    }
    const res = await fetch(`${t.url}/api/v1/flows/aws-vpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'text/plain' },
      body: lines.join('\n'),
    });
    expect(res.status).toBe(202);

    const queue = t.app.get(QueueService).queue(QueueName.FINDINGS);
    let jobs: Job[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
      if (jobs.some((j) => j.data.finding.kind === 'port-scan')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const findings = jobs.map((j) => j.data.finding);
    const scan = findings.filter((f) => f.kind === 'port-scan');
    expect(scan.length).toBeGreaterThan(0);
    expect(scan[0]).toMatchObject({
      vmId: 'vm-scanner',
      deploymentId: 'd1',
      subscriptionId: 's1',
      role: 'source',
      direction: 'outbound',
    });
    expect(scan[0].rule.observed).toBeGreaterThanOrEqual(scan[0].rule.threshold);
    expect(scan[0].topPeers.length).toBeGreaterThan(0);
    expect(new Set(scan.map((f) => f.id)).size).toBe(1);
    expect(findings.filter((f) => f.vmId === 'vm-quiet')).toEqual([]);
  });
});

describe('approved exceptions reach detection without a restart', () => {
  it('marks the findings of an excepted VM as suppressed', async () => {
    const t = await startTestApp({ roles: ['api'] });
    try {
      await api(t.url, 'POST', '/api/v1/inventory/import', {
        subscriptions: [{ id: 's1', name: 'S1', contacts: ['a@s1.example'] }],
        deployments: [{ id: 'd1', subscriptionId: 's1', name: 'd' }],
        vms: [{ id: 'vm-monitor', deploymentId: 'd1', name: 'monitor', addresses: [{ ip: '10.0.0.7' }] }],
      });
      const token = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;
      const { SuppressionRulesService } = await import('@sg/suppression');
      const rules = t.app.get(SuppressionRulesService);
      const { DataSource } = await import('typeorm');
      const rule = await t.app.get(DataSource).transaction((m) =>
        rules.create(m, {
          scope: 'vm',
          scopeId: 'vm-monitor',
          kind: 'port-scan',
          role: 'source',
          peerPrefixes: [],
          ports: [],
          reason: 'monitoring sweeps',
          description: 'checks port 22 of every host',
          expiresAt: null,
          createdFromCase: null,
          createdBy: 'test',
        }),
      );
      await rules.announce(rule.id);
      const { DetectionService } = await import('@sg/detection');
      const detection = t.app.get(DetectionService);
      // The announcement travels through Redis; wait until the engine holds the rule.
      const until = Date.now() + 5000;
      while (Date.now() < until && detection.suppressionRuleCount === 0) await new Promise((r) => setTimeout(r, 50));
      expect(detection.suppressionRuleCount).toBe(1);
      expect(await uploadSshScan(t.url, token, '10.0.0.7')).toBe(202);
      const queue = t.app.get(QueueService).queue(QueueName.FINDINGS);
      const found: { suppressed?: { ruleId: string } }[] = await waitForFindings(
        queue,
        (f) => f.vmId === 'vm-monitor' && f.kind === 'port-scan',
      );
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((f) => f.suppressed?.ruleId === rule.id)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
