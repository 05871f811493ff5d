import { spawn, spawnSync } from 'node:child_process';
import { FlowBatch, NetflowCollector, UdpListener } from '@sg/flows';
import { RecordStore } from './record-store';

export const haveSoftflowd = (): boolean => spawnSync('softflowd', ['-h']).error === undefined;

export interface SoftflowdExport {
  store: RecordStore;
  /** Records the collector decoded. */
  received: number;
  /** Records the IPFIX sequence numbers say were lost on the way. */
  lost: number;
  rejected: number;
}

/**
 * Exports a pcap with the real softflowd (IPFIX by default, `-A milli`, `-a` for pcap times; never
 * `-c` with `-r`, softflowd 1.1.0 then hangs) to a NetflowCollector on an ephemeral UDP port with a
 * large receive buffer (softflowd sends every flow in one burst at the end of the file).
 */
export async function exportPcap(pcap: string, version: '5' | '9' | '10' = '10'): Promise<SoftflowdExport> {
  const store = new RecordStore();
  const batch = new FlowBatch(4096, store.add);
  const collector = new NetflowCollector(batch);
  const listener = new UdpListener({
    port: 0,
    host: '127.0.0.1',
    recvBufferSize: 32 * 1024 * 1024,
    stats: collector.stats,
    onMessage: (msg, exporter) => collector.handle(msg, exporter),
    onTick: () => collector.tick(),
    tickMs: 20,
  });
  await listener.start();
  try {
    const args = ['-a', '-r', pcap, '-n', `127.0.0.1:${listener.port}`, '-v', version];
    if (version !== '5') args.push('-A', 'milli');
    await new Promise<void>((resolve, reject) => {
      const p = spawn('softflowd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', reject);
      p.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`softflowd ${args.join(' ')} exited ${code}: ${err}`)),
      );
    });
    // The burst is on its way or read already: wait until the collector stops receiving.
    let last = -1;
    for (let quiet = 0; quiet < 3;) {
      await new Promise((r) => setTimeout(r, 100));
      const now = collector.stats.records;
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
  } finally {
    await listener.stop();
  }
  collector.flush();
  const streams = collector.streamCounters();
  return {
    store,
    received: streams.reduce((a, s) => a + s.received, 0),
    lost: streams.reduce((a, s) => a + s.lost, 0),
    rejected: collector.stats.rejectedTotal(),
  };
}
