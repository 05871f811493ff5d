/**
 * The JetStream collector of bench/ingest.bench.ts, as a process of its own: receives NetFlow on a
 * UDP port, decodes, attributes (against VMS VMs numbered as the bench's index: slot i is
 * 10.0.0.0 + i) and publishes the attributed records to the flow stream (FlowPublisher, as the
 * collector role does with FLOW_BUS=nats), nothing else: no detection. Prints {"port"} when it
 * listens; on SIGTERM stops listening, publishes what it holds, prints its counts and exits.
 *   bus-collector.ts NATS_URL VMS
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { PrefixSet } from '../libs/common/src/ip';
import { replayHorizonMs } from '../libs/detection/src/engine/detection-config';
import { FlowPublisher } from '../libs/flowbus/src/flow-publisher';
import { ensureFlowStream, FLOW_SUBJECT_PREFIX, streamMaxAgeMs } from '../libs/flowbus/src/nats-stream';
import { partitionsOfSlots } from '../libs/flowbus/src/partitioner';
import { FlowPipeline } from '../libs/flows/src/attribution/flow-pipeline';
import { FlowBatch } from '../libs/flows/src/flow-batch';
import { NetflowCollector } from '../libs/flows/src/netflow/netflow-collector';
import { UdpListener } from '../libs/flows/src/udp-listener';
import { AddressIndexBuilder } from '../libs/inventory/src/address-index';

const PARTITIONS = 64;

export interface BusCollectorCounts {
  /** Records decoded (what the kernel delivered). */
  got: number;
  unattributed: number;
  /** Record copies the server acknowledged, shed (too many publishes in flight) or lost after retries. */
  published: number;
  shed: number;
  lost: number;
}

async function main(): Promise<void> {
  const [url, vmsArg] = process.argv.slice(2);
  const vms = Number(vmsArg);
  const b = new AddressIndexBuilder();
  for (let i = 0; i < vms; i++) b.addV4(i, (0x0a000000 + i) >>> 0, -Infinity, Infinity);
  const index = b.build();
  const parts = partitionsOfSlots(
    Array.from({ length: vms }, (_, i) => `vm-${i}`),
    PARTITIONS,
  );

  // As FlowBusConnection connects: no stack trace captured per publish.
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  await ensureFlowStream(jsm, {
    partitions: PARTITIONS,
    maxAgeMs: streamMaxAgeMs(replayHorizonMs()),
    maxBytes: 4 * 1024 ** 3,
  });
  const js = jetstream(nc);
  const publisher = new FlowPublisher((subject, payload, msgID) => js.publish(subject, payload, { msgID }), {
    partitions: PARTITIONS,
    subjectPrefix: FLOW_SUBJECT_PREFIX,
    partitionOfSlot: () => parts,
  });
  publisher.start();
  const internal = new PrefixSet([]);
  const pipeline = new FlowPipeline(
    () => index,
    () => internal,
  );
  pipeline.addConsumer(publisher);
  const collector = new NetflowCollector(new FlowBatch(8192, pipeline.accept));
  const listener = new UdpListener({
    port: 0,
    host: '127.0.0.1',
    onMessage: (m, e) => collector.handle(m, e),
    onTick: () => collector.tick(),
  });
  await listener.start();
  process.stdout.write(JSON.stringify({ port: listener.port, granted: listener.grantedRecvBufferSize }) + '\n');

  process.once('SIGTERM', () => {
    void (async () => {
      await listener.stop();
      collector.flush();
      await publisher.close();
      const counts: BusCollectorCounts = {
        got: collector.stats.records,
        unattributed: pipeline.counts.unattributed,
        published: publisher.publishedRecords,
        shed: publisher.shedRecords,
        lost: publisher.lostRecords,
      };
      process.stdout.write(JSON.stringify(counts) + '\n');
      await nc.close();
      process.exit(0);
    })();
  });
}

void main();
