import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDirection, FlowPipelineService, UdpCollectorService } from '@sg/flows';
import { InventoryIndexService } from '@sg/inventory';
import { api, startTestApp, type TestApp } from '../support/test-app';

const SCENARIOS = join(__dirname, '../../../shared/scenarios');
const labels = JSON.parse(readFileSync(join(SCENARIOS, 'labels.json'), 'utf8')) as {
  vms: Record<string, { name: string }>;
  scenarios: { vm_ip: string }[];
};

function softflowd(pcap: string, port: number, version: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [
      '-a',
      '-r',
      pcap,
      '-n',
      `127.0.0.1:${port}`,
      '-v',
      version,
      ...(version === '5' ? [] : ['-A', 'milli']),
    ];
    const p = spawn('softflowd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`softflowd ${args.join(' ')}: ${code} ${err}`))));
  });
}

/**
 * The shared scenario pcaps (made outside this project) exported by the real softflowd in one
 * burst each — softflowd reading a file sends every flow at end of file — into the collector role,
 * with the scenario VMs in the inventory: nothing may be lost (the socket's receive buffer is
 * large), and every scenario VM's traffic must be attributed to it.
 */
describe('shared scenario pcaps through softflowd into the collector role', () => {
  let t: TestApp;
  const perVm = new Map<number, number>();
  let attributed = 0;

  beforeAll(async () => {
    t = await startTestApp({ roles: ['collector', 'api'] });
    const vms = Object.entries(labels.vms).map(([ip, v]) => ({
      id: v.name,
      deploymentId: 'scenarios',
      name: v.name,
      addresses: [{ ip }],
    }));
    const imp = await api(t.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 'lab', name: 'Lab', contacts: ['lab@example.com'] }],
      deployments: [{ id: 'scenarios', subscriptionId: 'lab', name: 'scenarios' }],
      vms,
    });
    expect(imp.status).toBe(200);
    t.app.get(FlowPipelineService).pipeline.addConsumer({
      consume(b) {
        for (let i = 0; i < b.length; i++) {
          if (b.direction[i] === FlowDirection.UNATTRIBUTED) continue;
          attributed++;
          for (const slot of [b.srcVm[i], b.dstVm[i]]) if (slot >= 0) perVm.set(slot, (perVm.get(slot) ?? 0) + 1);
        }
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(['10', '5'])('arrive without loss over NetFlow version %s', async (version) => {
    const udp = t.app.get(UdpCollectorService);
    const before = udp.netflow.stats.records;
    const pcaps = readdirSync(join(SCENARIOS, 'pcap')).filter((f) => f.endsWith('.pcap'));
    expect(pcaps.length).toBe(15);
    for (const f of pcaps) await softflowd(join(SCENARIOS, 'pcap', f), udp.ports.netflow, version);
    // Wait until the last burst has been read and the idle tick has flushed it.
    let last = -1;
    while (udp.netflow.stats.records !== last) {
      last = udp.netflow.stats.records;
      await new Promise((r) => setTimeout(r, 400));
    }
    const streams = udp.netflow.streamCounters().filter((s) => s.version === Number(version));
    const received = streams.reduce((a, s) => a + s.received, 0);
    const lost = streams.reduce((a, s) => a + s.lost, 0);
    expect(udp.netflow.stats.rejectedTotal()).toBe(0);
    expect(lost).toBe(0);
    expect(received).toBe(udp.netflow.stats.records - before);
    expect(received).toBeGreaterThan(50_000);
  });

  it('attributes every scenario VM its traffic', () => {
    expect(attributed).toBeGreaterThan(0);
    const registry = t.app.get(InventoryIndexService).registry;
    const withTraffic = new Set([...perVm.keys()].map((slot) => registry.ids[slot]));
    for (const s of labels.scenarios) expect(withTraffic).toContain(labels.vms[s.vm_ip].name);
  });
});
