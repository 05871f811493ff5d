/**
 * Entry point of the detection thread (worker_threads). It owns one DetectionEngine: batches come
 * in shared memory slots named by `batch` messages and are handed back by clearing the slot's
 * owner flag; findings, statistics and answers go out as messages. Only the engine and the flow
 * batch are loaded here (deep imports), not the Nest application.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FlowBatch, type FlowSource } from '@sg/flows/flow-batch';
import { DetectionEngine } from '../engine/detection-engine';
import type { Finding } from '../engine/finding';
import { ThreatIntel } from '../engine/threat-intel';
import type { DetectionWorkerData, FromDetection, ToDetection, VmDirectorySnapshot } from './detection-protocol';

const data = workerData as DetectionWorkerData;
/** The timer moves event time to the wall clock only after this long without a batch (DetectionEngine.advanceIdle). */
const INPUT_IDLE_MS = 10_000;
const port = parentPort!;
const owners = new Int32Array(data.owners);
const slotBytes = FlowBatch.byteLength(data.capacity);
const slots: FlowBatch[] = [];
for (let s = 0; s < data.slots; s++) slots.push(new FlowBatch(data.capacity, undefined, data.memory, s * slotBytes));

let directory: VmDirectorySnapshot = { ids: [], deploymentIds: [], subscriptionIds: [] };
let found: Finding[] = [];
const intel = new ThreatIntel();
const engine = new DetectionEngine({
  directory: {
    describe: (slot) =>
      slot < directory.ids.length
        ? {
            vmId: directory.ids[slot],
            deploymentId: directory.deploymentIds[slot],
            subscriptionId: directory.subscriptionIds[slot],
          }
        : undefined,
  },
  onFinding: (f) => void found.push(f),
  config: data.config,
  threatIntel: intel,
  partition: data.partition,
});

const send = (m: FromDetection): void => port.postMessage(m);

function sendFindings(): void {
  if (found.length === 0) return;
  const out = found;
  found = [];
  send({ t: 'findings', findings: out });
}

function handle(m: ToDetection): void {
  switch (m.t) {
    case 'batch': {
      const b = slots[m.slot];
      b.length = m.length;
      b.source = m.source as FlowSource;
      b.exporter = m.exporter;
      b.busPartition = m.busPartition;
      b.watermarkMs = m.watermarkMs;
      try {
        engine.process(b);
      } finally {
        b.length = 0;
        Atomics.store(owners, m.slot, 0);
      }
      return;
    }
    case 'directory':
      directory = m;
      if (m.busPartitions) engine.setBusPartitions(m.busPartitions);
      return;
    case 'rules':
      engine.setSuppressionRules(m.rules);
      return;
    case 'intel':
      try {
        send({ t: 'reply', id: m.id, value: intel.setSources(m.sources) });
      } catch (err) {
        // The previous lists stay in force: a half-written file must not empty them.
        send({ t: 'reply', id: m.id, error: (err as Error).message });
      }
      return;
    case 'advance':
      engine.advance(m.nowMs);
      sendFindings();
      send({ t: 'reply', id: m.id });
      return;
    case 'idle':
      engine.partitionIdle(m.partition, m.boundMs);
      return;
    case 'recheck':
      send({ t: 'reply', id: m.id, value: engine.recheck(m.vmSlot, m.role, m.kind, m.windowMs, m.nowMs) });
      return;
    case 'stats':
      send({ t: 'reply', id: m.id, value: engine.stats() });
      return;
    case 'drain':
      sendFindings();
      send({ t: 'reply', id: m.id });
      return;
  }
}

port.on('message', (m: ToDetection) => {
  try {
    handle(m);
  } catch (err) {
    // One bad batch must not take the thread and every window it holds down with it.
    send({ t: 'error', message: (err as Error).stack ?? String(err) });
    if ('id' in m) send({ t: 'reply', id: m.id, error: (err as Error).message });
  } finally {
    sendFindings();
  }
});

setInterval(() => {
  engine.advanceIdle(Date.now(), INPUT_IDLE_MS);
  sendFindings();
}, data.advanceMs);
setInterval(() => send({ t: 'stats', stats: engine.stats() }), data.statsMs);
send({ t: 'ready' });
