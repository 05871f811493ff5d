import { FlowAction, FlowBatch, FlowDirection, FlowSource, PROTO_ICMP, PROTO_TCP, PROTO_UDP, TcpFlag } from '@sg/flows';
import type { Prng } from './prng';

/** IPv4 as an unsigned number, IPv6 as four words. */
export type Addr = number | readonly [number, number, number, number];

/** One end of a flow: address and VM slot (-1 = not one of ours). */
export interface End {
  addr: Addr;
  vm: number;
}

/**
 * How the records look:
 * - `netflow`: one record per direction and flow, TCP flags known, no action, long flows cut at
 *   the exporter's 60 s active timeout, exported a few seconds after they end;
 * - `cloud`: AWS VPC / Azure style, one record per direction, 5-tuple and minute, no flags,
 *   ACCEPT/REJECT, written at the end of the minute and delivered up to a minute later.
 */
export type Style = 'netflow' | 'cloud';

export type TcpOutcome = 'ok' | 'rst' | 'noanswer' | 'deny' | 'halfopen';

const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;
const PSH = TcpFlag.PSH;

/** Growable column store of generated records, replayed in export order into FlowBatches. */
export class FlowWriter {
  private n = 0;
  private cap = 0;
  private start = new Float64Array(0);
  private end = new Float64Array(0);
  private exportAt = new Float64Array(0);
  private fam = new Uint8Array(0);
  private src = new Uint32Array(0);
  private dst = new Uint32Array(0);
  private sport = new Uint16Array(0);
  private dport = new Uint16Array(0);
  private proto = new Uint8Array(0);
  private flags = new Int16Array(0);
  private action = new Uint8Array(0);
  private packets = new Float64Array(0);
  private bytes = new Float64Array(0);
  private srcVm = new Int32Array(0);
  private dstVm = new Int32Array(0);
  private style = new Uint8Array(0);
  /** Cloud records merged per 5-tuple and minute (as an aggregating exporter does). */
  private readonly cloudIndex = new Map<string, number>();

  constructor(private readonly rng: Prng) {}

  get size(): number {
    return this.n;
  }

  /** Adds one directional record, aggregating cloud records of the same 5-tuple and minute. */
  record(
    style: Style,
    start: number,
    end: number,
    a: End,
    b: End,
    sport: number,
    dport: number,
    proto: number,
    packets: number,
    bytes: number,
    flags: number,
    action: number,
  ): void {
    if (packets <= 0) return;
    if (style === 'cloud') {
      const minute = Math.floor(start / 60_000);
      // Cloud logs report first and last packet inside the capture interval.
      if (end >= (minute + 1) * 60_000) end = (minute + 1) * 60_000 - 1;
      const key = `${addrKey(a.addr)}|${addrKey(b.addr)}|${sport}|${dport}|${proto}|${minute}|${action}`;
      const j = this.cloudIndex.get(key);
      if (j !== undefined) {
        this.packets[j] += packets;
        this.bytes[j] += bytes;
        if (start < this.start[j]) this.start[j] = start;
        if (end > this.end[j]) this.end[j] = end;
        return;
      }
      const i = this.push(start, end, a, b, sport, dport, proto, packets, bytes, -1, action, 1);
      // Written when the capture minute closes, delivered within the next minute.
      this.exportAt[i] = (minute + 1) * 60_000 + this.rng.range(0, 60_000);
      this.cloudIndex.set(key, i);
      return;
    }
    const i = this.push(start, end, a, b, sport, dport, proto, packets, bytes, flags, FlowAction.UNKNOWN, 0);
    this.exportAt[i] = end + this.rng.range(200, 5_000);
  }

  /**
   * A TCP connection from client c to server s. Counts are per direction for the whole flow; the
   * writer cuts long flows at 60 s (NetFlow active timeout) or at minute boundaries (cloud).
   */
  tcp(
    style: Style,
    t: number,
    c: End,
    s: End,
    cport: number,
    sport: number,
    o: { outcome: TcpOutcome; cPk?: number; cB?: number; sPk?: number; sB?: number; dur?: number },
  ): void {
    const rng = this.rng;
    const v6 = typeof c.addr !== 'number';
    const hdr = v6 ? 60 : 40;
    switch (o.outcome) {
      case 'deny': {
        const pk = o.cPk ?? 1;
        if (style === 'cloud')
          this.record(
            style,
            t,
            t + (pk - 1) * 1000,
            c,
            s,
            cport,
            sport,
            PROTO_TCP,
            pk,
            pk * (hdr + 4),
            -1,
            FlowAction.DENY,
          );
        else this.record(style, t, t + (pk - 1) * 1000, c, s, cport, sport, PROTO_TCP, pk, pk * (hdr + 4), SYN, 0);
        return;
      }
      case 'noanswer': {
        const pk = o.cPk ?? rng.int(1, 2);
        this.record(
          style,
          t,
          t + (pk - 1) * 1000,
          c,
          s,
          cport,
          sport,
          PROTO_TCP,
          pk,
          pk * (hdr + 4),
          SYN,
          FlowAction.ALLOW,
        );
        return;
      }
      case 'rst': {
        this.record(style, t, t, c, s, cport, sport, PROTO_TCP, 1, hdr + 4, SYN, FlowAction.ALLOW);
        this.record(style, t + 1, t + 1, s, c, sport, cport, PROTO_TCP, 1, hdr, RST | ACK, FlowAction.ALLOW);
        return;
      }
      case 'halfopen': {
        this.record(style, t, t + 2, c, s, cport, sport, PROTO_TCP, 2, 2 * hdr + 4, SYN | RST, FlowAction.ALLOW);
        this.record(style, t + 1, t + 1, s, c, sport, cport, PROTO_TCP, 1, hdr + 4, SYN | ACK, FlowAction.ALLOW);
        return;
      }
      case 'ok': {
        const dur = Math.max(1, o.dur ?? rng.range(200, 3000));
        this.split(style, t, dur, c, s, cport, sport, PROTO_TCP, o.cPk ?? 10, o.cB ?? 1200, true);
        this.split(style, t + 1, dur, s, c, sport, cport, PROTO_TCP, o.sPk ?? 10, o.sB ?? 4000, true);
        return;
      }
    }
  }

  /** A UDP exchange: request packets from c, optional answer packets from s. */
  udp(
    style: Style,
    t: number,
    c: End,
    s: End,
    cport: number,
    sport: number,
    cPk: number,
    cB: number,
    sPk = 0,
    sB = 0,
    dur = 50,
    action: number = FlowAction.ALLOW,
  ): void {
    this.split(style, t, dur, c, s, cport, sport, PROTO_UDP, cPk, cB, false, action);
    if (sPk > 0) this.split(style, t + 5, dur, s, c, sport, cport, PROTO_UDP, sPk, sB, false, action);
  }

  /** ICMP echo request(s) and optional replies (NetFlow carries type/code in the destination port). */
  ping(style: Style, t: number, a: End, b: End, n: number, bytes: number, reply: boolean, dur = 1000): void {
    this.record(
      style,
      t,
      t + dur,
      a,
      b,
      0,
      style === 'netflow' ? 0x0800 : 0,
      PROTO_ICMP,
      n,
      n * bytes,
      -1,
      FlowAction.ALLOW,
    );
    if (reply) this.record(style, t + 1, t + dur + 1, b, a, 0, 0, PROTO_ICMP, n, n * bytes, -1, FlowAction.ALLOW);
  }

  /** Replays every record in export order, as exporters and uploads would deliver them. */
  replay(consume: (b: FlowBatch) => void, batchSize = 2048, flushEveryMs = 1_000): number {
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    const at = this.exportAt;
    order.sort((x, y) => at[x] - at[y] || x - y);
    const nf = new FlowBatch(batchSize, consume);
    nf.source = FlowSource.NETFLOW_V9;
    nf.exporter = 'scenario-netflow';
    const cl = new FlowBatch(batchSize, consume);
    cl.source = FlowSource.AWS_VPC;
    cl.exporter = 'scenario-cloud';
    let nextFlush = this.n > 0 ? at[order[0]] + flushEveryMs : 0;
    for (let k = 0; k < this.n; k++) {
      const i = order[k];
      if (at[i] >= nextFlush) {
        nf.flush();
        cl.flush();
        nextFlush = at[i] + flushEveryMs;
      }
      const b = this.style[i] === 1 ? cl : nf;
      const j = b.next();
      b.startMs[j] = this.start[i];
      b.endMs[j] = this.end[i];
      b.family[j] = this.fam[i];
      for (let w = 0; w < 4; w++) {
        b.srcAddr[(j << 2) + w] = this.src[(i << 2) + w];
        b.dstAddr[(j << 2) + w] = this.dst[(i << 2) + w];
      }
      b.srcPort[j] = this.sport[i];
      b.dstPort[j] = this.dport[i];
      b.proto[j] = this.proto[i];
      if (this.flags[i] >= 0) b.setTcpFlags(j, this.flags[i]);
      b.action[j] = this.action[i];
      b.packets[j] = this.packets[i];
      b.bytes[j] = this.bytes[i];
      b.srcVm[j] = this.srcVm[i];
      b.dstVm[j] = this.dstVm[i];
      b.direction[j] =
        this.srcVm[i] >= 0 && this.dstVm[i] >= 0
          ? FlowDirection.INTERNAL
          : this.srcVm[i] >= 0
            ? FlowDirection.OUTBOUND
            : FlowDirection.INBOUND;
    }
    nf.flush();
    cl.flush();
    return this.n;
  }

  /** Latest export time (ms). */
  lastExport(): number {
    let m = 0;
    for (let i = 0; i < this.n; i++) if (this.exportAt[i] > m) m = this.exportAt[i];
    return m;
  }

  private split(
    style: Style,
    t: number,
    dur: number,
    a: End,
    b: End,
    sp: number,
    dp: number,
    proto: number,
    pk: number,
    by: number,
    tcp: boolean,
    action: number = FlowAction.ALLOW,
  ): void {
    const step = 60_000;
    // Pieces: NetFlow cuts at the active timeout from the flow start, cloud logs at minute edges.
    const cuts: number[] = [t];
    if (style === 'netflow') for (let x = t + step; x < t + dur; x += step) cuts.push(x);
    else for (let x = (Math.floor(t / step) + 1) * step; x < t + dur; x += step) cuts.push(x);
    cuts.push(t + dur);
    const pieces = cuts.length - 1;
    let leftPk = Math.round(pk);
    let leftB = Math.round(by);
    for (let k = 0; k < pieces; k++) {
      const s = cuts[k];
      const e = cuts[k + 1];
      const share = (e - s) / dur;
      const ppk = k === pieces - 1 ? leftPk : Math.max(1, Math.round(pk * share));
      const pb = k === pieces - 1 ? leftB : Math.max(ppk * 40, Math.round(by * share));
      if (ppk <= 0) break;
      leftPk -= ppk;
      leftB -= pb;
      let flags = -1;
      if (tcp) {
        flags = ACK | PSH;
        if (k === 0) flags |= SYN;
        if (k === pieces - 1) flags |= FIN;
      }
      this.record(style, s, Math.max(s, e - 1), a, b, sp, dp, proto, ppk, Math.max(pb, ppk * 28), flags, action);
    }
  }

  private push(
    start: number,
    end: number,
    a: End,
    b: End,
    sport: number,
    dport: number,
    proto: number,
    packets: number,
    bytes: number,
    flags: number,
    action: number,
    style: number,
  ): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.start[i] = start;
    this.end[i] = end;
    const v6 = typeof a.addr !== 'number';
    this.fam[i] = v6 ? 6 : 4;
    writeAddr(this.src, i << 2, a.addr);
    writeAddr(this.dst, i << 2, b.addr);
    this.sport[i] = sport;
    this.dport[i] = dport;
    this.proto[i] = proto;
    this.flags[i] = proto === PROTO_TCP ? flags : -1;
    this.action[i] = action;
    this.packets[i] = packets;
    this.bytes[i] = bytes;
    this.srcVm[i] = a.vm;
    this.dstVm[i] = b.vm;
    this.style[i] = style;
    return i;
  }

  private grow(): void {
    const cap = Math.max(4096, this.cap * 2);
    const g = <T extends Float64Array | Uint8Array | Uint16Array | Uint32Array | Int16Array | Int32Array>(
      old: T,
      make: new (n: number) => T,
      n: number,
    ): T => {
      const x = new make(n);
      x.set(old as never);
      return x;
    };
    this.start = g(this.start, Float64Array, cap);
    this.end = g(this.end, Float64Array, cap);
    this.exportAt = g(this.exportAt, Float64Array, cap);
    this.fam = g(this.fam, Uint8Array, cap);
    this.src = g(this.src, Uint32Array, cap * 4);
    this.dst = g(this.dst, Uint32Array, cap * 4);
    this.sport = g(this.sport, Uint16Array, cap);
    this.dport = g(this.dport, Uint16Array, cap);
    this.proto = g(this.proto, Uint8Array, cap);
    this.flags = g(this.flags, Int16Array, cap);
    this.action = g(this.action, Uint8Array, cap);
    this.packets = g(this.packets, Float64Array, cap);
    this.bytes = g(this.bytes, Float64Array, cap);
    this.srcVm = g(this.srcVm, Int32Array, cap);
    this.dstVm = g(this.dstVm, Int32Array, cap);
    this.style = g(this.style, Uint8Array, cap);
    this.cap = cap;
  }
}

function writeAddr(arr: Uint32Array, off: number, a: Addr): void {
  if (typeof a === 'number') {
    arr[off] = a >>> 0;
    arr[off + 1] = arr[off + 2] = arr[off + 3] = 0;
  } else for (let w = 0; w < 4; w++) arr[off + w] = a[w] >>> 0;
}

function addrKey(a: Addr): string {
  return typeof a === 'number' ? String(a) : a.join(':');
}

export const TCP_FLAGS = { SYN, ACK, FIN, RST, PSH };
export { PROTO_ICMP, PROTO_TCP, PROTO_UDP };
