import { createSocket } from 'node:dgram';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { UdpCollectorService } from '@sg/flows';
import { createQueueConnection, queuePrefix } from '@sg/queues';
import { buildNetflowV5 } from '../../libs/flows/src/netflow/netflow-packet.builder';
import { api, startTestApp } from '../support/test-app';

/**
 * Records the collector has decoded but not yet handed on (they wait up to one 50-ms tick in a
 * batch) when the process is told to stop still reach detection: the UDP listeners stop and flush
 * before the detection thread drains and its findings go to the queue.
 */
describe('collector shutdown (real PostgreSQL, Redis, UDP)', () => {
  it('hands the last decoded records to detection before detection stops', async () => {
    const t = await startTestApp({ roles: ['api', 'collector'] });
    try {
      await api(t.url, 'POST', '/api/v1/inventory/import', {
        subscriptions: [{ id: 's1', name: 'S1', contacts: ['a@s1.example'] }],
        deployments: [{ id: 'd1', subscriptionId: 's1', name: 'd' }],
        vms: [{ id: 'vm-scanner', deploymentId: 'd1', name: 'scanner', addresses: [{ ip: '10.0.0.4' }] }],
      });
      const collector = t.app.get(UdpCollectorService);
      // 60 SYN probes to distinct hosts on port 22 within 30 s: a horizontal scan (Zeek's 25 hosts).
      const nowSecs = Math.floor(Date.now() / 1000);
      const flows = Array.from({ length: 30 }, (_, k) => k);
      const datagrams = [0, 1].map((d) =>
        buildNetflowV5(
          { sysUptime: 100_000, unixSecs: nowSecs, sequence: d * 30 },
          flows.map((k) => ({
            src: '10.0.0.4',
            dst: `198.51.100.${d * 30 + k + 1}`,
            srcPort: 40000 + k,
            dstPort: 22,
            proto: 6,
            tcpFlags: 0x02,
            packets: 1,
            bytes: 44,
            first: 70_000 + (d * 30 + k) * 400,
            last: 70_000 + (d * 30 + k) * 400,
          })),
        ),
      );
      const sock = createSocket('udp4');
      for (const d of datagrams) sock.send(d, collector.ports.netflow, '127.0.0.1');
      // Stop as soon as the records are decoded, while they still sit in the collector's batch.
      const until = Date.now() + 5000;
      while (collector.netflow.stats.records < 60 && Date.now() < until) await new Promise((r) => setImmediate(r));
      expect(collector.netflow.stats.records).toBe(60);
      sock.close();
    } finally {
      await t.close();
    }
    // The queue as the app names it, on one Redis or on the Redis Cluster of REDIS_CLUSTER.
    const connection =
      createQueueConnection(t.config, 'test') ?? new IORedis(t.config.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('findings', { connection, prefix: queuePrefix(t.config, 'findings') });
    try {
      const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
      const scans = jobs.filter((j) => j.data.finding.kind === 'port-scan' && j.data.finding.vmId === 'vm-scanner');
      expect(scans.length).toBeGreaterThan(0);
      expect(scans[0].data.finding.role).toBe('source');
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
});
