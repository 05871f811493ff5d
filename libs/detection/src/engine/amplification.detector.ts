import type { AmplificationPort, DetectionConfig } from './detection-config';
import { type Detection, type EvalWindow, type HeavyPeers, type MirrorTarget, type PeerEvidence } from './detection';
import { SlidingDistinct } from './sliding-distinct';

const BUCKET = 0;
const REQ_PK = 1;
const REQ_B = 2;
const RESP_PK = 3;
const RESP_B = 4;
const REQ_FL = 5;
const RESP_FL = 6;
const NA = 7;
/** Packets in a bucket before peers are counted: an ordinary client never needs the count. */
const PEERS_FROM = 50;

/**
 * UDP traffic of one VM side on amplification ports, per bucket slot:
 * - "requests": flows to an amplification port (dstPort), "responses": flows from one (srcPort).
 * On the source side (VM sends) responses are the VM answering as a server, requests are its own
 * queries; on the target side (VM receives) requests are queries to the VM, responses are answers
 * (or unsolicited reflected traffic) reaching it. An ordinary DNS client pays 5 numbers per
 * bucket; per-port counters exist only once the side answers (runs such a service), and peer
 * counters only once a bucket holds more than a client's handful of packets.
 */
export class AmplificationState {
  /** Per slot: bucket (- base + 1; 0 = empty), request packets/bytes, response packets/bytes. */
  readonly v: Float32Array;
  /** Buckets are kept relative to the first one seen (Float32 holds integers up to 2^24 exactly). */
  private base = -1;
  /** Per amplification port: response packets and bytes per slot (source side of a server only). */
  perPort: Float32Array | null = null;
  /** Peers the responses go to / come from. */
  respPeers: SlidingDistinct | null = null;
  /** Peers the requests go to (source side). */
  reqPeers: SlidingDistinct | null = null;
  /** Senders of responses the network denied (target side): unsolicited by construction. */
  deniedPeers: SlidingDistinct | null = null;
  private lastReq = -1;
  private lastResp = -1;
  private lastReqBucket = -1;
  private lastRespBucket = -1;

  constructor(
    readonly slots: number,
    private readonly nPorts: number,
    private readonly exact: number,
    private readonly p: number,
  ) {
    this.v = new Float32Array(slots * NA);
  }

  private rel(bucket: number): number {
    if (this.base < 0) this.base = bucket - this.slots;
    return bucket - this.base;
  }

  /** Slot for the bucket, or -1 when the bucket is older than the ring. */
  slot(bucket: number): number {
    const s = bucket % this.slots;
    const rb = this.rel(bucket);
    if (rb <= 0) return -1;
    const b = this.v[s * NA + BUCKET];
    if (b === rb) return s;
    if (b > rb) return -1;
    this.v.fill(0, s * NA, s * NA + NA);
    this.v[s * NA + BUCKET] = rb;
    if (this.perPort)
      for (let j = 0; j < this.nPorts; j++)
        this.perPort[(s * this.nPorts + j) * 2] = this.perPort[(s * this.nPorts + j) * 2 + 1] = 0;
    return s;
  }

  request(bucket: number, packets: number, bytes: number, peerKey: number, trackPeers: boolean): void {
    const s = this.slot(bucket);
    if (s < 0) return;
    const pk = (this.v[s * NA + REQ_PK] += packets);
    this.v[s * NA + REQ_B] += bytes;
    this.v[s * NA + REQ_FL] += 1;
    if (trackPeers && pk >= PEERS_FROM && (peerKey !== this.lastReq || bucket !== this.lastReqBucket)) {
      if (!this.reqPeers) this.reqPeers = new SlidingDistinct(this.slots, this.exact, this.p, 4);
      this.reqPeers.add(peerKey, bucket);
      this.lastReq = peerKey;
      this.lastReqBucket = bucket;
    }
  }

  response(bucket: number, packets: number, bytes: number, peerKey: number, portIndex: number, perPort: boolean): void {
    const s = this.slot(bucket);
    if (s < 0) return;
    const pk = (this.v[s * NA + RESP_PK] += packets);
    this.v[s * NA + RESP_B] += bytes;
    this.v[s * NA + RESP_FL] += 1;
    if (pk >= PEERS_FROM && (peerKey !== this.lastResp || bucket !== this.lastRespBucket)) {
      if (!this.respPeers) this.respPeers = new SlidingDistinct(this.slots, this.exact, this.p, 4);
      this.respPeers.add(peerKey, bucket);
      this.lastResp = peerKey;
      this.lastRespBucket = bucket;
    }
    if (perPort && portIndex >= 0) {
      if (!this.perPort) this.perPort = new Float32Array(this.slots * this.nPorts * 2);
      const at = (s * this.nPorts + portIndex) * 2;
      this.perPort[at] += packets;
      this.perPort[at + 1] += bytes;
    }
  }

  /** A response from an amplification port that a stateful firewall denied (it answers no request of the VM). */
  deniedResponse(bucket: number, peerKey: number): void {
    if (!this.deniedPeers) this.deniedPeers = new SlidingDistinct(this.slots, this.exact, this.p, 4);
    this.deniedPeers.add(peerKey, bucket);
  }

  /** Request plus response packets in the bucket (0 when the bucket is not held). */
  bucketPackets(bucket: number): number {
    const s = bucket % this.slots;
    if (this.base < 0 || this.v[s * NA + BUCKET] !== bucket - this.base) return 0;
    return this.v[s * NA + REQ_PK] + this.v[s * NA + RESP_PK];
  }

  sum(field: number, from: number, to: number): number {
    let t = 0;
    for (let s = 0; s < this.slots; s++) {
      const b = this.v[s * NA + BUCKET] + this.base;
      if (this.v[s * NA + BUCKET] > 0 && b >= from && b <= to) t += this.v[s * NA + field];
    }
    return t;
  }

  portSum(portIndex: number, bytes: boolean, from: number, to: number): number {
    if (!this.perPort) return 0;
    let t = 0;
    for (let s = 0; s < this.slots; s++) {
      const b = this.v[s * NA + BUCKET] + this.base;
      if (this.v[s * NA + BUCKET] > 0 && b >= from && b <= to)
        t += this.perPort[(s * this.nPorts + portIndex) * 2 + (bytes ? 1 : 0)];
    }
    return t;
  }

  get entries(): number {
    return (
      this.slots + (this.respPeers?.entries ?? 0) + (this.reqPeers?.entries ?? 0) + (this.deniedPeers?.entries ?? 0)
    );
  }
}

/**
 * Amplification (US-CERT TA14-017A):
 * - reflector (source): the VM answers on an amplification port with many response packets and
 *   a response/request byte ratio above the port's minRatio;
 * - victim (target): many large response packets from amplification ports that the VM never
 *   asked for (received bytes >= 50x its own request bytes); or, whatever the volume (Azure NSG
 *   logs count nothing for denied flows), responses from 25+ distinct reflectors that a stateful
 *   firewall denied, which answer no request of the VM by construction;
 * - spoofed requests (source): many small requests to many reflectors, hardly any answers.
 */
export class AmplificationDetector {
  constructor(private readonly cfg: DetectionConfig) {}

  get ports(): readonly AmplificationPort[] {
    return this.cfg.amplification.ports;
  }

  /**
   * Eager trigger, per amplification-port record of the side: how far its window's packet counts
   * are past the smallest count any rule needs (>= 1: a rule may fire now). The byte ratios and
   * distinct counts are left to the evaluation.
   */
  level(own: AmplificationState, isSource: boolean, from: number, to: number, denied: boolean): number {
    const a = this.cfg.amplification;
    if (isSource) {
      const resp = own.perPort ? own.sum(RESP_PK, from, to) / a.reflectorMinPackets : 0;
      return Math.max(resp, own.sum(REQ_PK, from, to) / a.spoofMinPackets);
    }
    const resp = own.sum(RESP_PK, from, to);
    let lv = resp / a.victimMinPackets;
    // Denied responses: packets bound the distinct reflectors from above while the count is exact.
    if (denied && own.deniedPeers) {
      const n = own.deniedPeers.promoted ? resp : own.deniedPeers.count(from, to);
      lv = Math.max(lv, n / a.victimMinDeniedSources);
    }
    return lv;
  }

  evaluateSource(
    own: AmplificationState,
    inbound: AmplificationState | undefined,
    win: EvalWindow,
    heavyPeers: HeavyPeers,
    track: number,
    out: Detection[],
  ): boolean {
    const a = this.cfg.amplification;
    const { from, to } = win;
    const respPk = own.sum(RESP_PK, from, to);
    if (respPk >= a.reflectorMinPackets && own.perPort) {
      let bestIdx = -1;
      let bestBytes = 0;
      for (let j = 0; j < a.ports.length; j++) {
        const b = own.portSum(j, true, from, to);
        if (b > bestBytes) {
          bestBytes = b;
          bestIdx = j;
        }
      }
      const reqBytes = inbound ? inbound.sum(REQ_B, from, to) : 0;
      const reqPk = inbound ? inbound.sum(REQ_PK, from, to) : 0;
      const ratio = bestBytes / Math.max(reqBytes, 1);
      const port = bestIdx >= 0 ? a.ports[bestIdx] : null;
      if (port && own.portSum(bestIdx, false, from, to) >= a.reflectorMinPackets && ratio >= port.minRatio) {
        const peers = heavyPeers(track).filter((p) => p.packets > 0);
        // Mirrored only onto VMs that received the responses themselves (mostly UDP from this VM,
        // among the response peers), never onto the VM's other heavy peers (its database, say).
        const mirrors: MirrorTarget[] = heavyPeers(track, own.respPeers, from, to)
          .filter((p) => p.vm >= 0 && p.packets > 0)
          .map((p) => ({ vmSlot: p.vm, peer: p }));
        out.push({
          kind: 'amplification',
          subkind: 'reflector',
          ruleName: 'amplification.reflector',
          threshold: port.minRatio,
          observed: round1(ratio),
          description: `VM answers on ${port.service}/${port.port}: ${Math.round(bestBytes)} bytes out for ${Math.round(reqBytes)} bytes (${reqPk} packets) of requests, ratio ${round1(ratio)}x; threshold ${port.minRatio}x (US-CERT factor ${port.factor}x)`,
          counts: {
            // The response flows of the window, like the packets and bytes (the heavy peers are
            // the open minute's, and include the VM's other traffic, its database say).
            flows: own.sum(RESP_FL, from, to),
            packets: respPk,
            bytes: own.sum(RESP_B, from, to),
            distinctPeers: own.respPeers?.count(from, to) ?? peers.length,
            distinctPorts: 1,
          },
          topPeers: peers.slice(0, 10),
          ports: [port.port],
          internal: mirrors.reduce((x, m) => x + m.peer.packets, 0) * 2 > peers.reduce((x, p) => x + p.packets, 0),
          firstMs: from * win.bucketMs,
          lastMs: (to + 1) * win.bucketMs,
          mirrors,
        });
        return true;
      }
    }
    const reqPk = own.sum(REQ_PK, from, to);
    if (reqPk >= a.spoofMinPackets) {
      const reqBytes = own.sum(REQ_B, from, to);
      const dests = own.reqPeers?.count(from, to) ?? 0;
      const answers = inbound ? inbound.sum(RESP_B, from, to) : 0;
      if (
        reqBytes / reqPk <= a.spoofMaxAvgBytes &&
        dests >= a.spoofMinDestinations &&
        answers <= a.spoofMaxAnswerRatio * reqBytes
      ) {
        const heavy = heavyPeers(track);
        out.push({
          kind: 'amplification',
          subkind: 'spoofed-requests',
          ruleName: 'amplification.spoofed-requests',
          threshold: a.spoofMinDestinations,
          observed: dests,
          description: `${reqPk} small requests (${Math.round(reqBytes / reqPk)} B avg) to amplification ports of ${dests} hosts, ${Math.round(answers)} bytes answered; reflection attack traffic`,
          counts: { flows: own.sum(REQ_FL, from, to), packets: reqPk, bytes: reqBytes, distinctPeers: dests, distinctPorts: 0 },
          topPeers: heavy.slice(0, 10),
          ports: [],
          internal: false,
          firstMs: from * win.bucketMs,
          lastMs: (to + 1) * win.bucketMs,
          mirrors: [],
        });
        return true;
      }
    }
    return false;
  }

  private deniedVictim(
    own: AmplificationState,
    win: EvalWindow,
    heavyPeers: HeavyPeers,
    track: number,
    out: Detection[],
  ): boolean {
    if (!own.deniedPeers) return false;
    if (own.deniedPeers.count(win.from, win.to) < this.cfg.amplification.victimMinDeniedSources) return false;
    const d = deniedVictimDetection(this.cfg, own, win, heavyPeers(track));
    if (!d) return false;
    out.push(d);
    return true;
  }

  evaluateTarget(
    own: AmplificationState,
    outbound: AmplificationState | undefined,
    win: EvalWindow,
    heavyPeers: HeavyPeers,
    track: number,
    out: Detection[],
  ): boolean {
    const a = this.cfg.amplification;
    const { from, to } = win;
    const respPk = own.sum(RESP_PK, from, to);
    const respB = own.sum(RESP_B, from, to);
    const asked = outbound ? outbound.sum(REQ_B, from, to) : 0;
    const ratio = respB / Math.max(asked, 1);
    const sources = own.respPeers?.count(from, to) ?? 1;
    const volume =
      respPk >= a.victimMinPackets &&
      respB / respPk >= a.victimMinAvgBytes &&
      ratio >= a.victimMinRatio &&
      sources >= a.victimMinSources;
    if (!volume) return this.deniedVictim(own, win, heavyPeers, track, out);
    const heavy = heavyPeers(track);
    out.push({
      kind: 'amplification',
      subkind: 'victim',
      ruleName: 'amplification.victim',
      threshold: a.victimMinRatio,
      observed: asked > 0 ? round1(ratio) : respB,
      description: `${respPk} response packets (${Math.round(respB / respPk)} B avg) from amplification ports of ${sources} hosts, against ${Math.round(asked)} bytes of own requests; unsolicited threshold ${a.victimMinRatio}x`,
      counts: {
        flows: own.sum(RESP_FL, from, to),
        packets: respPk,
        bytes: respB,
        distinctPeers: sources,
        distinctPorts: 0,
      },
      topPeers: heavy.slice(0, 10),
      ports: [],
      internal:
        heavy.filter((p) => p.vm >= 0).reduce((x, p) => x + p.packets, 0) * 2 >
        heavy.reduce((x, p) => x + p.packets, 0),
      firstMs: from * win.bucketMs,
      lastMs: (to + 1) * win.bucketMs,
      mirrors: [],
    });
    return true;
  }
}

/** The denied-responses victim rule, separate so that the volume rule keeps its own evidence. */
function deniedVictimDetection(
  cfg: DetectionConfig,
  own: AmplificationState,
  win: EvalWindow,
  heavy: PeerEvidence[],
): Detection | null {
  const a = cfg.amplification;
  const { from, to } = win;
  const denied = own.deniedPeers?.count(from, to) ?? 0;
  if (denied < a.victimMinDeniedSources) return null;
  const respPk = own.sum(RESP_PK, from, to);
  return {
    kind: 'amplification',
    subkind: 'victim',
    ruleName: 'amplification.victim-denied',
    threshold: a.victimMinDeniedSources,
    observed: denied,
    description: `${denied} hosts sent UDP from amplification ports that the network denied (${respPk} records/packets; a stateful firewall admits answers to the VM's own requests, so these were never asked for); threshold ${a.victimMinDeniedSources} reflectors`,
    counts: {
      flows: own.sum(RESP_FL, from, to),
      packets: respPk,
      bytes: own.sum(RESP_B, from, to),
      distinctPeers: denied,
      distinctPorts: 0,
    },
    topPeers: heavy.slice(0, 10),
    ports: [],
    internal: false,
    firstMs: from * win.bucketMs,
    lastMs: (to + 1) * win.bucketMs,
    mirrors: [],
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
