import { FlowBatch, PROTO_ICMP, PROTO_TCP, PROTO_UDP, TcpFlag } from '@sg/flows';
import { parseAddress } from '@sg/common';

export const { FIN, SYN, RST, PSH, ACK } = TcpFlag;

export function protoNumber(name: string): number {
  switch (name.trim().toLowerCase()) {
    case 'tcp':
      return PROTO_TCP;
    case 'udp':
      return PROTO_UDP;
    case 'icmp':
      return PROTO_ICMP;
    case 'ipv6-icmp':
    case 'icmp6':
      return 58;
    default:
      return -1;
  }
}

export interface OneWay {
  startMs: number;
  endMs: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  packets: number;
  bytes: number;
  /** TCP flags, or -1 when unknown / not TCP. */
  tcpFlags: number;
}

/** Writes one directional record into the batch; false when an address does not parse. */
export function writeRecord(batch: FlowBatch, r: OneWay): boolean {
  const s = parseAddress(r.src);
  const d = parseAddress(r.dst);
  if (!s || !d || s.family !== d.family) return false;
  const i = batch.next();
  if (s.family === 4 && d.family === 4) batch.setV4(i, s.v4, d.v4);
  else if (s.family === 6 && d.family === 6) {
    batch.family[i] = 6;
    for (let w = 0; w < 4; w++) {
      batch.srcAddr[(i << 2) + w] = s.v6[w];
      batch.dstAddr[(i << 2) + w] = d.v6[w];
    }
  }
  batch.startMs[i] = r.startMs;
  batch.endMs[i] = r.endMs;
  batch.srcPort[i] = r.srcPort;
  batch.dstPort[i] = r.dstPort;
  batch.proto[i] = r.proto;
  batch.packets[i] = r.packets;
  batch.bytes[i] = r.bytes;
  if (r.proto === PROTO_TCP && r.tcpFlags >= 0) batch.setTcpFlags(i, r.tcpFlags);
  return true;
}

/**
 * ICMP in NetFlow/IPFIX carries type * 256 + code in the destination port; the answer to an
 * echo request (8, ICMPv6 128) is an echo reply (0, ICMPv6 129).
 */
export function icmpPorts(type: number, code: number, v6: boolean): { request: number; reply: number } {
  const replyType = type === 8 ? 0 : type === 128 && v6 ? 129 : type;
  return { request: type * 256 + code, reply: replyType * 256 + (type === 8 || type === 128 ? 0 : code) };
}
