import {
  FlowAction,
  FlowBatch,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  RecordFlag,
  TcpFlag,
} from '@sg/flows/flow-batch';
import type { DetectionConfig } from './detection-config';

// Copied once: a name imported through a barrel (`export *`) is a getter call on every access.
const ACTION_DENY: number = FlowAction.DENY;
const FLAGS_KNOWN: number = RecordFlag.TCP_FLAGS_KNOWN;
const F_SYN: number = TcpFlag.SYN;
const F_ACK: number = TcpFlag.ACK;
const F_RST: number = TcpFlag.RST;
const F_FIN: number = TcpFlag.FIN;
const TCP: number = PROTO_TCP;
const UDP: number = PROTO_UDP;
const ICMP: number = PROTO_ICMP;
const ICMP6: number = PROTO_ICMPV6;

/** Record classes (bit mask), computed once per record and shared by both VM sides. */
export const PROBE = 1 << 0; // failed or probe-like: counts toward scans
export const EST = 1 << 1; // established or answered: a TRW success for the pair
export const SYN_LIKE = 1 << 2; // half-open TCP (SYN without ACK, or header-only <= 3 packets without flags)
export const LOGIN = 1 << 3; // login-sized client flow to an auth port
export const AMP_REQ = 1 << 4; // UDP to an amplification port
export const AMP_RESP = 1 << 5; // UDP from an amplification port
export const SMTP = 1 << 6; // TCP to a spam port
export const STRATUM = 1 << 7; // established TCP opened toward a stratum port
export const SRC_INIT = 1 << 8; // the record's sender opened the connection
export const DENY = 1 << 9;
export const ICMP_REPLY = 1 << 10; // ICMP echo reply: answers an echo probe
export const REFLECT = 1 << 11; // answer-shaped TCP from a service port (SYN-ACK / reset / denied), maybe unsolicited
export const REFLECT_SRC = 1 << 12; // ... whose sender counts as a distinct reflector (SYN-ACK, or denied without flags)
export const AUTH_LONG = 1 << 13; // client flow to an auth port with data, longer than one login attempt
/** A SYN-ACK and Linux's 5 retransmissions (tcp_synack_retries): the most one unanswered SYN brings back. */
const MAX_SYNACK_PACKETS = 6;

/** Port classes (`FlowClassifier.portClass`). */
export const P_AUTH = 1;
export const P_AMP = 2;
export const P_SPAM = 4;
export const P_STRATUM = 8;
/** An auth port the distributed brute-force rule watches. */
export const P_DIST = 16;

/**
 * Flow classification: what one record is (probe, answer, login-sized session, amplification
 * request or response, ...) as a bit mask, computed once per record from its columns and shared by
 * both VM sides, and the per-port tables the classes come from (auth, amplification, spam and
 * stratum ports, built from the config once).
 */
export class FlowClassifier {
  /** Per port: P_* bits. */
  readonly portClass = new Uint8Array(65536);
  /** Per auth port: the login-sized client packet range (clamped to 255). */
  readonly authMin = new Uint8Array(65536);
  readonly authMax = new Uint8Array(65536);
  /** Per amplification port: its index in config.amplification.ports, else -1. */
  readonly ampIndex = new Int8Array(65536).fill(-1);
  private readonly maxProbePackets: number;
  private readonly ignoreUdpFrom: number;
  private readonly ignoreUdpTo: number;

  constructor(cfg: DetectionConfig) {
    this.maxProbePackets = cfg.portScan.maxProbePackets;
    this.ignoreUdpFrom = cfg.portScan.ignoreUdpPorts[0];
    this.ignoreUdpTo = cfg.portScan.ignoreUdpPorts[1];
    for (const p of cfg.bruteForce.ports) {
      this.portClass[p.port] |= p.distributed ? P_AUTH | P_DIST : P_AUTH;
      this.authMin[p.port] = Math.min(255, p.minPackets);
      this.authMax[p.port] = Math.min(255, p.maxPackets);
    }
    cfg.amplification.ports.forEach((p, i) => {
      this.portClass[p.port] |= P_AMP;
      this.ampIndex[p.port] = i;
    });
    for (const p of cfg.spam.ports) this.portClass[p] |= P_SPAM;
    for (const p of cfg.mining.stratumPorts) this.portClass[p] |= P_STRATUM;
  }

  /** The record classes of record i of the batch (bit mask of the constants above). */
  classify(b: FlowBatch, i: number): number {
    const pr = b.proto[i];
    const pk = b.packets[i] > 0 ? b.packets[i] : 1;
    const by = b.bytes[i];
    const sp = b.srcPort[i];
    const dp = b.dstPort[i];
    const deny = b.action[i] === ACTION_DENY;
    const v6 = b.family[i] === 6;
    let cls = deny ? DENY : 0;
    // The lower port is the service: the sender opened the connection when it talks to it.
    if (dp < sp || (dp === sp && pr !== TCP)) cls |= SRC_INIT;
    if (pr === TCP) {
      const known = (b.flags[i] & FLAGS_KNOWN) !== 0;
      const f = b.tcpFlags[i];
      // IPv4 + TCP headers with the longest SYN options are 60 bytes; IPv6 adds 20.
      const headerOnly = by <= pk * (v6 ? 84 : 64);
      let synLike: boolean;
      let established: boolean;
      if (known) {
        synLike = (f & F_SYN) !== 0 && (f & F_ACK) === 0;
        established = (f & F_ACK) !== 0 && ((f & F_RST) === 0 || !headerOnly);
        if (synLike) cls |= SRC_INIT;
        else if ((f & (F_SYN | F_ACK)) === (F_SYN | F_ACK) && headerOnly && pk <= 2) cls &= ~SRC_INIT;
      } else {
        synLike = headerOnly && pk <= this.maxProbePackets;
        established = !headerOnly || pk > this.maxProbePackets;
      }
      if (synLike) cls |= SYN_LIKE;
      // Without flags a short header-only flow toward the lower port is a probe; the same flow
      // from the lower port is the answer (SYN-ACK or RST) to someone else's probe.
      // A rejected flow is a failed attempt only from the side that opened it (rejected SYN-ACKs
      // of a reflection attack are not probes).
      if ((deny || synLike) && (known ? synLike || (cls & SRC_INIT) !== 0 : (cls & SRC_INIT) !== 0)) cls |= PROBE;
      else if (established) cls |= EST;
      // Answer-shaped TCP from the service port: a header-only SYN-ACK (with retransmissions, no
      // FIN) or reset; without flags, such a flow a stateful firewall denied. Whether the VM asked
      // for it is decided in feed() (target side only).
      if (headerOnly && sp < dp && pk <= MAX_SYNACK_PACKETS) {
        if (known) {
          if ((f & F_FIN) === 0) {
            if ((f & (F_SYN | F_ACK)) === (F_SYN | F_ACK)) cls |= REFLECT | REFLECT_SRC;
            else if ((f & (F_RST | F_SYN)) === F_RST) cls |= REFLECT;
          }
        } else if (deny) cls |= REFLECT | REFLECT_SRC;
      }
      const pc = this.portClass[dp];
      if (pc !== 0 && !deny) {
        // A login attempt carries credentials, but in a line protocol (FTP, telnet, POP3, ...) they are
        // a few dozen bytes across several packets, so the flow's average stays under the 64 B a
        // packet that `headerOnly` allows: 6 client packets of an FTP guess are about 6 x 52 B of
        // IPv4+TCP headers (with timestamps) plus ~25 B of USER/PASS. Payload is whatever exceeds the
        // headers of a flow without data: the SYN's 60 B and 52 B (72 B over IPv6) for each other packet.
        if (pc & P_AUTH && by > pk * (v6 ? 72 : 52) + 8) {
          if (pk > this.authMax[dp]) cls |= AUTH_LONG;
          else if (pk >= this.authMin[dp]) cls |= LOGIN;
        }
        if (pc & P_SPAM && cls & SRC_INIT) cls |= SMTP;
        if (pc & P_STRATUM && established && cls & SRC_INIT) cls |= STRATUM;
      } else if (pc & P_SPAM && cls & SRC_INIT) cls |= SMTP;
    } else if (pr === UDP) {
      const pc = this.portClass[dp];
      if (pc & P_AMP) cls |= AMP_REQ;
      if (this.portClass[sp] & P_AMP) cls |= AMP_RESP;
      // UDP probes: toward the lower (service) port, never from an amplification port (those are
      // answers, often unsolicited), small unless rejected; queries to amplification ports are
      // ordinary client traffic unless rejected. Traceroute's ports are not a scan.
      const toService =
        dp < sp && (this.portClass[sp] & P_AMP) === 0 && (dp < this.ignoreUdpFrom || dp > this.ignoreUdpTo);
      if (toService && (deny || (pk <= 2 && by <= pk * (v6 ? 148 : 128) && (pc & P_AMP) === 0))) cls |= PROBE;
      else if (!deny) cls |= EST;
    } else if (pr === ICMP || pr === ICMP6) {
      const type = dp >>> 8;
      const echo = pr === ICMP ? 8 : 128;
      const reply = pr === ICMP ? 0 : 129;
      if (type === echo && dp !== 0 && pk <= 2) cls |= PROBE | SRC_INIT;
      // Echo reply is type 0 code 0, the same as "no type" in cloud logs: marking an answer is harmless.
      else if (type === reply && !deny) cls |= ICMP_REPLY;
    }
    return cls;
  }
}
