import { FlowBatch, PROTO_ICMP, PROTO_TCP, PROTO_UDP } from '@sg/flows';
import { ACK, FIN, icmpPorts, protoNumber, PSH, RST, SYN, writeRecord } from './tcp-flags';
import type { ReaderResult } from './zeek-conn.reader';

/**
 * Argus TCP states (ra(1) "state" field) as (source flags, destination flags, whether the
 * destination answered): REQ a connection request (SYN) without reply; ACC the SYN answered by a
 * SYN-ACK; CON / EST connected; CLO / FIN closed normally; RST reset; TIM timed out.
 */
const TCP_STATES: Record<string, [number, number, boolean]> = {
  REQ: [SYN, 0, false],
  ACC: [SYN | ACK, SYN | ACK, true],
  CON: [SYN | ACK, SYN | ACK, true],
  EST: [SYN | ACK, SYN | ACK, true],
  CLO: [SYN | ACK | FIN, SYN | ACK | FIN, true],
  FIN: [SYN | ACK | FIN, SYN | ACK | FIN, true],
  TIM: [SYN | ACK, SYN | ACK, true],
};

/** Argus flag-letter states, e.g. `S_RA` (source sent SYN, destination RST-ACK). */
function letters(s: string): number {
  let f = 0;
  for (const ch of s) {
    if (ch === 'S') f |= SYN;
    else if (ch === 'A') f |= ACK;
    else if (ch === 'F') f |= FIN;
    else if (ch === 'R') f |= RST;
    else if (ch === 'P') f |= PSH;
  }
  return f;
}

/** Argus ICMP states: type/code of the request and whether it was answered. */
const ICMP_STATES: Record<string, [number, number, boolean]> = {
  ECO: [8, 0, false],
  ECR: [8, 0, true],
  URP: [3, 3, false],
  URH: [3, 1, false],
  URN: [3, 0, false],
  TXD: [11, 0, false],
};

/** 2018/09/27 22:40:52.362768 (the file has no zone; SOURCES.md reads times as UTC). */
function parseTime(s: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(s.trim());
  if (!m) return NaN;
  const ms = m[7] ? Math.round(parseFloat(m[7]) * 1000) : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + ms;
}

/**
 * Test-only converter of an Argus bidirectional flow file (CSV with header: StartTime, Dur, Proto,
 * SrcAddr, Sport, Dir, DstAddr, Dport, State, ..., TotPkts, TotBytes, SrcBytes, ...) into flow
 * records: source -> destination and, when the state says the destination answered, the reverse.
 * TotPkts counts both directions and only bytes are split (SrcBytes): for a two-way flow the
 * source's packets are estimated in proportion to its bytes (at least one packet each way).
 * Unanswered states (TCP REQ, UDP INT, ICMP ECO/URP...) give one record with every packet.
 */
export function readArgusBinetflow(text: string, batch: FlowBatch): ReaderResult {
  const res: ReaderResult = { lines: 0, records: 0, skipped: 0 };
  const lines = text.split('\n');
  const head = lines[0].split(',').map((h) => h.trim());
  const col = (name: string) => head.indexOf(name);
  const iStart = col('StartTime');
  const iDur = col('Dur');
  const iProto = col('Proto');
  const iSrc = col('SrcAddr');
  const iSport = col('Sport');
  const iDst = col('DstAddr');
  const iDport = col('Dport');
  const iState = col('State');
  const iPk = col('TotPkts');
  const iBytes = col('TotBytes');
  const iSrcBytes = col('SrcBytes');
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    res.lines++;
    const f = line.split(',');
    const proto = protoNumber(f[iProto]);
    const startMs = parseTime(f[iStart]);
    if (proto < 0 || !Number.isFinite(startMs)) {
      res.skipped++; // arp and other non-IP records
      continue;
    }
    const endMs = startMs + (parseFloat(f[iDur]) || 0) * 1000;
    const state = f[iState].trim();
    const totPk = parseInt(f[iPk], 10) || 0;
    const totB = parseInt(f[iBytes], 10) || 0;
    const srcB = Math.min(totB, parseInt(f[iSrcBytes], 10) || 0);
    const num = (s: string) => (/^0x/i.test(s.trim()) ? parseInt(s, 16) : parseInt(s, 10) || 0);
    let sp = num(f[iSport]);
    let dp = num(f[iDport]);
    let revDp = sp;
    let sFlags = -1;
    let dFlags = -1;
    let answered: boolean;
    if (proto === PROTO_TCP) {
      const known = TCP_STATES[state];
      if (known) [sFlags, dFlags, answered] = known;
      else if (state === 'RST') {
        // Reset: a header-only exchange of two or three packets is a rejected attempt.
        const rejected = totPk <= 3 && totB <= totPk * 64;
        [sFlags, dFlags, answered] = rejected ? [SYN, RST | ACK, true] : [SYN | ACK, SYN | ACK | RST, true];
      } else if (state.includes('_')) {
        const [a, b] = state.split('_');
        sFlags = letters(a);
        dFlags = letters(b);
        answered = dFlags !== 0;
      } else {
        sFlags = dFlags = ACK;
        answered = totB > srcB;
      }
    } else if (proto === PROTO_UDP) {
      answered = state !== 'INT' && totB > srcB;
    } else {
      const v6 = proto === 58;
      const ic = ICMP_STATES[state] ?? [8, 0, totB > srcB];
      const p = icmpPorts(ic[0], ic[1], v6);
      answered = ic[2] && totB > srcB;
      sp = 0;
      dp = p.request;
      revDp = p.reply;
    }
    let sPk = totPk;
    let dPk = 0;
    let sB = totB;
    let dB = 0;
    if (answered && totPk >= 2) {
      sB = srcB;
      dB = totB - srcB;
      sPk = Math.min(totPk - 1, Math.max(1, Math.round((totPk * srcB) / Math.max(totB, 1))));
      dPk = totPk - sPk;
    }
    const payload = (pk: number, b: number) => (b > pk * 66 ? PSH : 0);
    if (sPk > 0) {
      const ok = writeRecord(batch, {
        startMs,
        endMs,
        src: f[iSrc].trim(),
        dst: f[iDst].trim(),
        srcPort: sp,
        dstPort: dp,
        proto,
        packets: sPk,
        bytes: sB,
        tcpFlags: sFlags < 0 ? -1 : sFlags | payload(sPk, sB),
      });
      if (ok) res.records++;
      else res.skipped++;
    }
    if (dPk > 0) {
      const ok = writeRecord(batch, {
        startMs,
        endMs,
        src: f[iDst].trim(),
        dst: f[iSrc].trim(),
        srcPort: proto === PROTO_ICMP || proto === 58 ? 0 : dp,
        dstPort: revDp,
        proto,
        packets: dPk,
        bytes: dB,
        tcpFlags: dFlags < 0 ? -1 : (dFlags || ACK) | payload(dPk, dB),
      });
      if (ok) res.records++;
      else res.skipped++;
    }
  }
  batch.flush();
  return res;
}
