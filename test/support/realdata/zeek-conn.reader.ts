import { FlowBatch, PROTO_ICMP, PROTO_TCP } from '@sg/flows';
import { ACK, FIN, icmpPorts, protoNumber, PSH, RST, SYN, writeRecord } from './tcp-flags';

/**
 * TCP flags (originator, responder) implied by a Zeek conn_state (Zeek base/protocols/conn/main.zeek):
 * S0 attempt without reply = SYN only; REJ = SYN answered by RST; RSTOS0 SYN then RST, no SYN-ACK;
 * SH SYN then FIN, no SYN-ACK; SHR/RSTRH the responder's SYN-ACK then FIN/RST, the originator's
 * SYN never seen; S1 established; SF established and closed; S2/S3 close attempt by one side;
 * RSTO/RSTR established, then reset by the originator/responder; OTH mid-stream, no SYN (ACK only).
 * A side's PSH is added when it carried payload.
 */
const STATE_FLAGS: Record<string, [number, number]> = {
  S0: [SYN, 0],
  REJ: [SYN, RST | ACK],
  RSTOS0: [SYN | RST, 0],
  SH: [SYN | FIN, 0],
  SHR: [0, SYN | ACK | FIN],
  RSTRH: [0, SYN | ACK | RST],
  S1: [SYN | ACK, SYN | ACK],
  SF: [SYN | ACK | FIN, SYN | ACK | FIN],
  S2: [SYN | ACK | FIN, SYN | ACK],
  S3: [SYN | ACK, SYN | ACK | FIN],
  RSTO: [SYN | ACK | RST, SYN | ACK],
  RSTR: [SYN | ACK, SYN | ACK | RST],
  OTH: [ACK, ACK],
};

export interface ReaderResult {
  lines: number;
  records: number;
  skipped: number;
}

interface ZeekConn {
  ts: number;
  duration?: number;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  proto: string;
  conn_state?: string;
  orig_bytes?: number;
  resp_bytes?: number;
  orig_pkts?: number;
  orig_ip_bytes?: number;
  resp_pkts?: number;
  resp_ip_bytes?: number;
}

/**
 * Test-only converter of a Zeek conn.log in JSON (one object a line) into flow records, as a flow
 * exporter would give them: originator -> responder with orig_pkts/orig_ip_bytes and, when the
 * responder sent packets, the reverse record with resp_pkts/resp_ip_bytes; both carry the
 * connection's start and end (ts, ts + duration). A direction that carried no packet gives no
 * record. TCP flags come from conn_state (see STATE_FLAGS); ICMP type/code (Zeek's orig_p/resp_p)
 * go into the destination port as NetFlow carries them.
 */
export function readZeekConn(text: string, batch: FlowBatch): ReaderResult {
  const res: ReaderResult = { lines: 0, records: 0, skipped: 0 };
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    res.lines++;
    let c: ZeekConn;
    try {
      c = JSON.parse(line) as ZeekConn;
    } catch {
      res.skipped++;
      continue;
    }
    const proto = protoNumber(c.proto);
    if (proto < 0 || typeof c.ts !== 'number') {
      res.skipped++;
      continue;
    }
    const startMs = c.ts * 1000;
    const endMs = startMs + (c.duration ?? 0) * 1000;
    const [of, rf] = proto === PROTO_TCP ? (STATE_FLAGS[c.conn_state ?? 'OTH'] ?? STATE_FLAGS.OTH) : [-1, -1];
    const v6 = c['id.orig_h'].includes(':');
    let op = c['id.orig_p'];
    let rp = c['id.resp_p'];
    let fwdDst = rp;
    let revDst = op;
    if (proto === PROTO_ICMP || proto === 58) {
      const p = icmpPorts(op, rp, v6);
      op = rp = 0;
      fwdDst = p.request;
      revDst = p.reply;
    }
    const oPk = c.orig_pkts ?? 0;
    const rPk = c.resp_pkts ?? 0;
    const pshO = (c.orig_bytes ?? 0) > 0 && of > 0 ? PSH : 0;
    const pshR = (c.resp_bytes ?? 0) > 0 && rf > 0 ? PSH : 0;
    if (oPk > 0) {
      const ok = writeRecord(batch, {
        startMs,
        endMs,
        src: c['id.orig_h'],
        dst: c['id.resp_h'],
        srcPort: op,
        dstPort: fwdDst,
        proto,
        packets: oPk,
        bytes: c.orig_ip_bytes ?? 0,
        tcpFlags: of < 0 ? -1 : of | pshO,
      });
      if (ok) res.records++;
      else res.skipped++;
    }
    if (rPk > 0) {
      const ok = writeRecord(batch, {
        startMs,
        endMs,
        src: c['id.resp_h'],
        dst: c['id.orig_h'],
        srcPort: proto === PROTO_ICMP || proto === 58 ? 0 : rp,
        dstPort: revDst,
        proto,
        packets: rPk,
        bytes: c.resp_ip_bytes ?? 0,
        tcpFlags: rf < 0 ? -1 : (rf || ACK) | pshR,
      });
      if (ok) res.records++;
      else res.skipped++;
    }
  }
  batch.flush();
  return res;
}
