import { createSocket, type Socket } from 'node:dgram';
import { formatAddress } from '@sg/common';
import { FlowBatch } from '@sg/flows';
import {
  TemplatedPacketBuilder,
  type FieldSpec,
  type FieldValue,
} from '../../../libs/flows/src/netflow/netflow-packet.builder';
import { loadSharedForm, loadSharedLabels, type SharedLabels } from '../../support/realdata/shared-scenarios';
import { RecordStore } from '../../support/realdata/record-store';

/**
 * Every labelled scenario's pcap through the real softflowd (IPFIX), merged into one stream in
 * flow-end order, the order in which exporters send: the input of the multi-process test.
 */
export async function loadScenarioFlows(labels: SharedLabels = loadSharedLabels()): Promise<FlowBatch> {
  const all = new RecordStore();
  for (const sc of labels.scenarios) (await loadSharedForm('pcap', sc.id)).replay(all.add);
  all.sortByEnd();
  const out = new FlowBatch(Math.max(1, all.count));
  all.replay((b) => {
    for (let i = 0; i < b.length; i++) out.copyFrom(b, i);
  });
  return out;
}

/**
 * The inventory import (POST /api/v1/inventory/import): the labelled VMs, and the clock VMs of
 * withClock() at 10.0.1.x.
 */
export function scenarioInventory(labels: SharedLabels, clockVms: string[] = []) {
  const vms = [
    ...Object.entries(labels.vms).map(([ip, v]) => ({ id: v.name, ip })),
    ...clockVms.map((id, k) => ({ id, ip: `10.0.1.${k + 1}` })),
  ];
  return {
    subscriptions: [{ id: 'lab', name: 'Lab', contacts: ['lab@example.com'] }],
    deployments: [{ id: 'scenarios', subscriptionId: 'lab', name: 'scenarios' }],
    vms: vms.map((v) => ({ id: v.id, deploymentId: 'scenarios', name: v.id, addresses: [{ ip: v.ip }] })),
  };
}

/**
 * The scenario flows followed by one ordinary flow of each clock VM, stamped now. The scenarios are
 * of 2024: detection's wall-clock tick (DETECTION_TICK) during a replay would close windows still
 * filling, at a moment that differs from run to run. With the tick out of the way, a flow of now
 * moves each engine's event clock past every window (an engine moves its clock with the records
 * of the VMs it keeps, hence one clock VM per detector): every incident ends with its final
 * figures at the same point of the stream in every run.
 */
export function withClock(flows: FlowBatch, clockVms: string[]): FlowBatch {
  const out = new FlowBatch(flows.length + clockVms.length);
  for (let i = 0; i < flows.length; i++) out.copyFrom(flows, i);
  const now = Date.now();
  clockVms.forEach((_, k) => {
    const i = out.next();
    out.setV4(i, 0x0a000100 + k + 1, 0xc0000201); // 10.0.1.(k+1) to 192.0.2.1
    out.srcPort[i] = 40000;
    out.dstPort[i] = 443;
    out.proto[i] = 6;
    out.setTcpFlags(i, 0x1b);
    out.packets[i] = 10;
    out.bytes[i] = 5000;
    out.startMs[i] = now - 1000;
    out.endMs[i] = now;
  });
  return out;
}

const V4: FieldSpec[] = [
  [8, 4],
  [12, 4],
  [152, 8],
  [153, 8],
  [1, 8],
  [2, 8],
  [7, 2],
  [11, 2],
  [4, 1],
  [6, 1],
];
const V6: FieldSpec[] = [[27, 16], [28, 16], ...V4.slice(2)];
const PER_DATAGRAM = 24;
/** Templates are repeated every this many datagrams, as exporters do over UDP. */
const TEMPLATE_EVERY = 64;

/**
 * An IPFIX exporter (its own UDP socket, so its own source address:port, i.e. its own template
 * and sequence-number stream at the collector) replaying records of a FlowBatch.
 */
export class IpfixExporter {
  private sock: Socket | null = null;
  private sequence = 0;
  private datagrams = 0;
  private readonly known = new Map<number, FieldSpec[]>();
  records = 0;

  constructor(readonly domain: number) {}

  /** Sends records [from, to) of `batch` to 127.0.0.1:port, one datagram at a time. */
  async send(batch: FlowBatch, from: number, to: number, port: number): Promise<void> {
    if (!this.sock) {
      const s = (this.sock = createSocket('udp4'));
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    }
    for (let i = from; i < to;) {
      const b = new TemplatedPacketBuilder(10, this.known);
      if (this.datagrams % TEMPLATE_EVERY === 0) b.template(256, V4).template(257, V6);
      const v4: FieldValue[][] = [];
      const v6: FieldValue[][] = [];
      const end = Math.min(to, i + PER_DATAGRAM);
      for (; i < end; i++) (batch.family[i] === 6 ? v6 : v4).push(row(batch, i));
      if (v4.length) b.data(256, v4);
      if (v6.length) b.data(257, v6);
      const dgram = b.build({
        domain: this.domain,
        sequence: this.sequence,
        exportSecs: Math.floor(Date.now() / 1000),
      });
      this.sequence += v4.length + v6.length;
      this.records += v4.length + v6.length;
      this.datagrams++;
      await new Promise<void>((resolve, reject) =>
        this.sock!.send(dgram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
    }
  }

  close(): void {
    this.sock?.close();
    this.sock = null;
  }
}

function row(b: FlowBatch, i: number): FieldValue[] {
  const o = i * 4;
  const src = formatAddress(b.family[i], b.srcAddr, o);
  const dst = formatAddress(b.family[i], b.dstAddr, o);
  return [
    src,
    dst,
    Math.round(b.startMs[i]),
    Math.round(b.endMs[i]),
    Math.round(b.bytes[i]),
    Math.round(b.packets[i]),
    b.srcPort[i],
    b.dstPort[i],
    b.proto[i],
    b.tcpFlags[i],
  ];
}
