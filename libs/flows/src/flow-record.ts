import { FLOW_DIRECTION_NAMES, FLOW_SOURCE_NAMES, FlowBatch, RecordFlag } from './flow-batch';
import { formatAddress } from '@sg/common/ip';

/**
 * One flow as an object, for the cold paths only: evidence samples, API answers, tests.
 * The hot path works on FlowBatch columns and never builds these.
 */
export interface FlowRecord {
  start: string;
  end: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  packets: number;
  bytes: number;
  tcpFlags: number | null;
  action: 'allow' | 'deny' | null;
  sampling: number;
  source: string;
  exporter: string;
  direction: (typeof FLOW_DIRECTION_NAMES)[number];
}

export function toFlowRecord(b: FlowBatch, i: number): FlowRecord {
  const a = i << 2;
  const fam = b.family[i];
  return {
    start: new Date(b.startMs[i]).toISOString(),
    end: new Date(b.endMs[i]).toISOString(),
    src: formatAddress(fam, b.srcAddr, a),
    dst: formatAddress(fam, b.dstAddr, a),
    srcPort: b.srcPort[i],
    dstPort: b.dstPort[i],
    protocol: b.proto[i],
    packets: b.packets[i],
    bytes: b.bytes[i],
    tcpFlags: b.flags[i] & RecordFlag.TCP_FLAGS_KNOWN ? b.tcpFlags[i] : null,
    action: b.action[i] === 1 ? 'allow' : b.action[i] === 2 ? 'deny' : null,
    sampling: b.sampling[i],
    source: FLOW_SOURCE_NAMES[b.source],
    exporter: b.exporter,
    direction: FLOW_DIRECTION_NAMES[b.direction[i]],
  };
}
