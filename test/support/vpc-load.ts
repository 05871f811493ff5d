/**
 * The labelled scenario traffic (scenario-generator.ts) written as AWS VPC Flow Log text, the way
 * a region's logs reach the HTTP endpoint: one log per network interface (ENI) of each VM, the
 * interfaces split over several uploads (accounts shipped by separate shippers), each upload in
 * the order AWS wrote its records. A VM-to-VM conversation is kept in one interface's log (both
 * directions, as each interface logs them), so a VM's sides are fed by several uploads at once:
 * its own log and the logs holding its conversations with VMs of other uploads.
 *
 * Every line is kept once (in its upload's buffer); the same lines in the generator's global
 * export order are read back as slices, for a reference run that sends them slowly in order.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { FlowAction, PROTO_TCP } from '@sg/flows';
import { generateScenarios, type GeneratedScenarios, type ScenarioVm } from './scenario-generator';

export const VPC_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags';

export interface VpcLoadOptions {
  seed?: number;
  /** Background multiplier of the generator: 1 gives about 485,000 lines, each unit about 18,000 more. */
  background?: number;
  uploads?: number;
  /** First event time (ms); the generator's traffic spans about 50 minutes from here. */
  startMs?: number;
}

export interface VpcLoad {
  scenarios: GeneratedScenarios;
  lines: number;
  /** One body per upload: header, then its lines in export order. */
  uploads: Buffer[];
  linesPerUpload: number[];
  /** Event time span of the lines (ms). */
  fromMs: number;
  toMs: number;
  /** The lines in global export order, `size` at a time, each body with its header. */
  inOrder(size: number): Generator<Buffer>;
  /** The body of POST /api/v1/inventory/import for the scenario fleet. */
  inventory(): unknown;
  /** Writes the scenario threat lists into `dir`; returns the THREAT_LISTS value. */
  threatLists(dir: string): string;
}

function v4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

function v6(w: ArrayLike<number>, o: number): string {
  const parts: string[] = [];
  for (let k = 0; k < 4; k++) parts.push(((w[o + k] >>> 16) & 0xffff).toString(16), (w[o + k] & 0xffff).toString(16));
  return parts.join(':');
}

function vmAddresses(vm: ScenarioVm): { ip: string }[] {
  const out = [{ ip: v4(vm.ip) }];
  if (vm.ip6) out.push({ ip: v6(vm.ip6, 0) });
  return out;
}

export function buildVpcLoad(opts: VpcLoadOptions = {}): VpcLoad {
  const uploadsN = opts.uploads ?? 4;
  const sc = generateScenarios({ seed: opts.seed, background: opts.background, startMs: opts.startMs });
  const n = sc.records;
  const lineUpload = new Uint8Array(n);
  const lineStart = new Uint32Array(n);
  const lineLen = new Uint16Array(n);
  const header = Buffer.from(VPC_HEADER + '\n');
  const parts: Buffer[][] = Array.from({ length: uploadsN }, () => [header]);
  const sizes = new Array<number>(uploadsN).fill(header.length);
  const pending: string[][] = Array.from({ length: uploadsN }, () => []);
  const counts = new Array<number>(uploadsN).fill(0);
  const flush = (u: number) => {
    const b = Buffer.from(pending[u].join(''));
    parts[u].push(b);
    sizes[u] += b.length;
    pending[u] = [];
  };
  let pendingBytes = new Array<number>(uploadsN).fill(0);
  let k = 0;
  let fromMs = Infinity;
  let toMs = 0;
  sc.replay((b) => {
    for (let i = 0; i < b.length; i++, k++) {
      const s = b.srcVm[i];
      const d = b.dstVm[i];
      // Each interface's log holds both directions of its conversations; a VM-to-VM one is in the
      // logs of both interfaces, kept once here (detection would count it twice): in the log of
      // the lower-numbered VM.
      const owner = s >= 0 && d >= 0 ? Math.min(s, d) : s >= 0 ? s : d;
      const u = owner % uploadsN;
      const fam = b.family[i];
      const src = fam === 4 ? v4(b.srcAddr[i << 2]) : v6(b.srcAddr, i << 2);
      const dst = fam === 4 ? v4(b.dstAddr[i << 2]) : v6(b.dstAddr, i << 2);
      const start = Math.floor(b.startMs[i] / 1000);
      const end = Math.floor(b.endMs[i] / 1000);
      if (b.startMs[i] < fromMs) fromMs = b.startMs[i];
      if (b.endMs[i] > toMs) toMs = b.endMs[i];
      const act = b.action[i] === FlowAction.DENY ? 'REJECT' : b.action[i] === FlowAction.ALLOW ? 'ACCEPT' : '-';
      const flags = b.proto[i] === PROTO_TCP && b.flags[i] & 1 ? String(b.tcpFlags[i]) : '-';
      const line =
        `2 123456789012 eni-${owner.toString(16).padStart(8, '0')} ${src} ${dst} ${b.srcPort[i]} ${b.dstPort[i]} ` +
        `${b.proto[i]} ${Math.max(1, Math.round(b.packets[i]))} ${Math.round(b.bytes[i])} ${start} ${end} ${act} OK ${flags}\n`;
      lineUpload[k] = u;
      lineStart[k] = sizes[u] + pendingBytes[u];
      lineLen[k] = line.length;
      pending[u].push(line);
      pendingBytes[u] += line.length;
      counts[u]++;
      if (pending[u].length >= 20_000) {
        flush(u);
        pendingBytes[u] = 0;
      }
    }
  });
  for (let u = 0; u < uploadsN; u++) if (pending[u].length) flush(u);
  pendingBytes = [];
  const uploads = parts.map((p) => Buffer.concat(p));
  return {
    scenarios: sc,
    lines: n,
    uploads,
    linesPerUpload: counts,
    fromMs,
    toMs,
    *inOrder(size: number) {
      for (let from = 0; from < n; from += size) {
        const to = Math.min(n, from + size);
        const slices = [header];
        for (let j = from; j < to; j++)
          slices.push(uploads[lineUpload[j]].subarray(lineStart[j], lineStart[j] + lineLen[j]));
        yield Buffer.concat(slices);
      }
    },
    inventory() {
      // A deployment belongs to the subscription of its first VM.
      const deployments = new Map<string, string>();
      for (const v of sc.vms) if (!deployments.has(v.deploymentId)) deployments.set(v.deploymentId, v.subscriptionId);
      const subscriptions = [...new Set(deployments.values())];
      return {
        subscriptions: subscriptions.map((id) => ({ id, name: id, contacts: [`owner@${id}.example`] })),
        deployments: [...deployments].map(([id, subscriptionId]) => ({ id, subscriptionId, name: id })),
        vms: sc.vms.map((v) => ({ id: v.vmId, deploymentId: v.deploymentId, name: v.name, addresses: vmAddresses(v) })),
      };
    },
    threatLists(dir: string) {
      mkdirSync(dir, { recursive: true });
      return sc.threatLists
        .map((l) => {
          const path = join(dir, `${l.category}.txt`);
          writeFileSync(path, l.text ?? '');
          return `${l.category}=${path}`;
        })
        .join(',');
    },
  };
}

/**
 * POSTs a body as text/plain on a connection of its own. fetch() reuses a pooled keep-alive
 * connection, and one the server is closing as idle (5 s) at that moment resets the upload.
 */
export function postUpload(url: string, token: string, body: Buffer): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'content-length': body.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString();
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text });
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
