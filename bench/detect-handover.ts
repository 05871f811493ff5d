/**
 * Part (vii) of bench/detect.bench.ts: what a finding costs after the engine, as in the collector
 * role. Wall time from DetectionThread.consume() of a batch carrying a crossing record (the 25th
 * host of a horizontal scan, mid-minute) on the receiving thread, through the detection thread,
 * back to the receiving thread, to the BullMQ job being in Redis (Queue.add resolved). Light load:
 * the engine's own share under load is part (v); this is the hand-over added to it.
 */
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { FlowBatch, FlowDirection, TcpFlag } from '@sg/flows/flow-batch';
import type { Finding } from '../libs/detection/src/engine/finding';
import { DetectionThread } from '../libs/detection/src/threaded/detection-thread';
import { benchSize } from './bench-size';

const SCANS = benchSize(300, 20);

export async function handover(
  redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<Record<string, number>> {
  const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  await connection.connect();
  const prefix = `sg-bench-${process.pid}`;
  const queue = new Queue('findings', { connection, prefix });
  const started = new Map<string, bigint>();
  const lat: number[] = [];
  let done: () => void = () => undefined;
  const thread = new DetectionThread({
    onFinding: (f: Finding) => {
      const t0 = started.get(f.vmId);
      if (t0 === undefined || f.updates !== 1) return;
      started.delete(f.vmId);
      void queue.add('finding.upsert', { finding: f }, { jobId: `${f.id}.${f.updates}` }).then(() => {
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        done();
      });
    },
  });
  await thread.start();
  thread.setDirectory({
    ids: Array.from({ length: SCANS }, (_, i) => `vm-${i}`),
    deploymentIds: new Array<string>(SCANS).fill('d'),
    subscriptionIds: new Array<string>(SCANS).fill('s'),
  });
  const b = new FlowBatch(64);
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
  for (let vm = 0; vm < SCANS; vm++) {
    // 24 probes first, then the crossing one alone in its batch, 30 s into a minute.
    for (const [from, to] of [
      [0, 24],
      [24, 25],
    ]) {
      b.clear();
      for (let h = from; h < to; h++) {
        const i = b.next();
        b.setV4(i, (0x0a000000 + vm) >>> 0, (0x0b000000 + vm * 64 + h) >>> 0);
        b.startMs[i] = b.endMs[i] = minute + 30_000 + h * 10;
        b.srcPort[i] = 40000 + h;
        b.dstPort[i] = 2323;
        b.proto[i] = 6;
        b.setTcpFlags(i, TcpFlag.SYN);
        b.packets[i] = 1;
        b.bytes[i] = 44;
        b.srcVm[i] = vm;
        b.dstVm[i] = -1;
        b.direction[i] = FlowDirection.OUTBOUND;
      }
      if (to === 25) started.set(`vm-${vm}`, process.hrtime.bigint());
      const arrived = to === 25 ? new Promise<void>((r) => (done = r)) : null;
      thread.consume(b);
      if (arrived) await Promise.race([arrived, new Promise((r) => setTimeout(r, 2000))]);
      else await thread.drain();
    }
  }
  await thread.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  lat.sort((x, y) => x - y);
  const q = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 100) / 100;
  return {
    handoverScans: SCANS,
    handoverMeasured: lat.length,
    handoverP50Ms: q(0.5),
    handoverP99Ms: q(0.99),
    handoverMaxMs: Math.round(lat[lat.length - 1] * 100) / 100,
  };
}

if (require.main === module) void handover().then((r) => console.log(JSON.stringify(r)));
