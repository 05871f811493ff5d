import { FlowAction, FlowBatch, FlowDirection, RecordFlag } from '@sg/flows';
import { parseAddress } from '@sg/common';
import { DetectionEngine, type DetectionEngineOptions } from '../detection-engine';
import type { DetectionConfigInput } from '../detection-config';
import type { Finding } from '../finding';

/** One flow record for tests; `makeFlow({ dstPort: 22 })` style overrides. */
export interface TestFlow {
  t: number; // end time (ms)
  dur?: number;
  src: string;
  dst: string;
  srcPort?: number;
  dstPort?: number;
  proto?: number;
  packets?: number;
  bytes?: number;
  /** TCP flags; omitted = unknown (cloud logs). */
  flags?: number;
  action?: 'allow' | 'deny';
  srcVm?: number;
  dstVm?: number;
}

export const T0 = Date.UTC(2024, 5, 3, 8, 0, 0);
export const MIN = 60_000;
export const SYN = 0x02;
export const ACK = 0x10;
export const RST = 0x04;
export const FIN = 0x01;
export const PSH = 0x08;

/** An engine with a collecting callback and a batch to feed it, for unit tests. */
export class EngineHarness {
  readonly findings: Finding[] = [];
  readonly engine: DetectionEngine;
  private readonly batch = new FlowBatch(8192, (b) => this.engine.process(b));

  constructor(config: DetectionConfigInput = {}, opts: Partial<DetectionEngineOptions> = {}) {
    this.engine = new DetectionEngine({
      directory: { describe: (slot) => ({ vmId: `vm-${slot}`, deploymentId: `dep-${slot}`, subscriptionId: 'sub-1' }) },
      onFinding: (f) => this.findings.push(f),
      config,
      wallClock: () => Date.UTC(2030, 0, 1),
      ...opts,
    });
  }

  add(f: TestFlow): this {
    const b = this.batch;
    const i = b.next();
    const s = parseAddress(f.src);
    const d = parseAddress(f.dst);
    if (!s || !d) throw new Error(`bad address ${f.src} ${f.dst}`);
    if (s.family === 4 && d.family === 4) b.setV4(i, s.v4, d.v4);
    else {
      b.family[i] = 6;
      const sw = s.family === 6 ? s.v6 : Uint32Array.of(0, 0, 0xffff, s.v4);
      const dw = d.family === 6 ? d.v6 : Uint32Array.of(0, 0, 0xffff, d.v4);
      for (let w = 0; w < 4; w++) {
        b.srcAddr[(i << 2) + w] = sw[w];
        b.dstAddr[(i << 2) + w] = dw[w];
      }
    }
    b.endMs[i] = f.t;
    b.startMs[i] = f.t - (f.dur ?? 0);
    b.srcPort[i] = f.srcPort ?? 40000;
    b.dstPort[i] = f.dstPort ?? 443;
    b.proto[i] = f.proto ?? 6;
    b.packets[i] = f.packets ?? 1;
    b.bytes[i] = f.bytes ?? (f.packets ?? 1) * 44;
    if (f.flags !== undefined) {
      b.tcpFlags[i] = f.flags;
      b.flags[i] |= RecordFlag.TCP_FLAGS_KNOWN;
    }
    b.action[i] = f.action === 'deny' ? FlowAction.DENY : f.action === 'allow' ? FlowAction.ALLOW : FlowAction.UNKNOWN;
    b.srcVm[i] = f.srcVm ?? -1;
    b.dstVm[i] = f.dstVm ?? -1;
    b.direction[i] =
      b.srcVm[i] >= 0 && b.dstVm[i] >= 0
        ? FlowDirection.INTERNAL
        : b.srcVm[i] >= 0
          ? FlowDirection.OUTBOUND
          : FlowDirection.INBOUND;
    return this;
  }

  flush(): this {
    this.batch.flush();
    return this;
  }

  /** The records added from now on come as from flow-bus partition `p` (-1: not from the bus). */
  fromBusPartition(p: number): this {
    if (this.batch.busPartition !== p) this.flush();
    this.batch.busPartition = p;
    return this;
  }

  /** Flushes and moves the engine clock well past `t` so every window closes. */
  finish(t: number): this {
    this.flush();
    this.engine.advance(t);
    return this;
  }

  /** Non-suppressed findings as "vm role kind/subkind" strings, deduplicated. */
  summary(): string[] {
    const s = new Set<string>();
    for (const f of this.findings) if (!f.suppressed) s.add(`${f.vmId} ${f.role} ${f.kind}/${f.subkind}`);
    return [...s].sort();
  }

  of(kind: Finding['kind'], role?: Finding['role']): Finding[] {
    return this.findings.filter((f) => f.kind === kind && (!role || f.role === role));
  }
}

/** An ordinary established HTTPS exchange of a VM with an outside server: no rule fires on it. */
export function webFlow(t: number, src: string, srcVm: number): TestFlow {
  return { t, src, dst: '198.18.0.1', srcPort: 40002, dstPort: 443, packets: 10, bytes: 5000, flags: 0x1b, srcVm };
}

/** Dotted IPv4 from a base and an offset (test peers). */
export function ipAt(base: string, n: number): string {
  const a = parseAddress(base);
  if (!a || a.family !== 4) throw new Error('IPv4 base expected');
  const v = (a.v4 + n) >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** 8 login-sized SSH sessions a minute against VM slot 0 at `vmIp` from one host, both directions. */
export function sshBruteForce(h: EngineHarness, start: number, minutes: number, vmIp: string, attacker = '192.0.2.50') {
  for (let k = 0; k < minutes * 8; k++) {
    const t = start + k * 7500;
    const port = 20000 + (k % 40000);
    h.add({ t, dur: 4000, src: attacker, dst: vmIp, srcPort: port, dstPort: 22, packets: 15, bytes: 2200, dstVm: 0 });
    h.add({
      t: t + 1,
      dur: 4000,
      src: vmIp,
      dst: attacker,
      srcPort: 22,
      dstPort: port,
      packets: 12,
      bytes: 2600,
      srcVm: 0,
    });
  }
}
