import type { FlowBatch } from '@sg/flows';
import type { AppProcess } from '../../support/app-process';
import { IpfixExporter } from './scenario-flows';
import { HANDED_ON, Topology, type CaseRow } from './topology';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Replays `flows` in chunks of `chunk` records through two IPFIX exporters: chunk k leaves exporter
 * k % 2 for collector k % collectors (so with two collectors each exporter keeps to one collector,
 * as an operator arranges for NetFlow v9/IPFIX templates, and one VM's flows reach both). Before
 * the next chunk goes out, the collector that took this one has decoded every record and handed
 * them on (its HANDED_ON figure stopped moving): every VM's records then reach its partition in
 * the same order as in a one-process run, so both runs must find exactly the same.
 * `between(k)` runs after chunk k (a test kills a detector there). The last `tail` records go as
 * a chunk of their own (the clock flows of withClock()).
 */
export async function replayThrough(
  t: Topology,
  flows: FlowBatch,
  opts: { chunk: number; tail?: number; between?: (k: number, chunks: number) => Promise<void> },
): Promise<{ sent: number; decoded: number; lost: number }> {
  const exporters = [new IpfixExporter(1), new IpfixExporter(2)];
  const expected = new Map<AppProcess, number>();
  const body = flows.length - (opts.tail ?? 0);
  const bounds: [number, number][] = [];
  for (let from = 0; from < body; from += opts.chunk) bounds.push([from, Math.min(body, from + opts.chunk)]);
  if (body < flows.length) bounds.push([body, flows.length]);
  const chunks = bounds.length;
  const handedOn = HANDED_ON[t.opts.bus];
  try {
    for (let k = 0; k < chunks; k++) {
      const c = t.collectors[k % t.collectors.length];
      const [from, to] = bounds[k];
      await exporters[k % 2].send(flows, from, to, c.ports.netflow);
      const want = (expected.get(c) ?? 0) + (to - from);
      expected.set(c, want);
      // Also the sender's flow control: a chunk (about 80 datagrams) never overflows the socket.
      await until(`${c.name} to decode ${want} records`, 30_000, async () => {
        const m = await c.metrics();
        return m.sum('safeguards_flow_records_decoded_total') >= want;
      });
      if (t.collectors.length > 1) {
        let last = -1;
        await until(`${c.name} to hand its records on`, 30_000, async () => {
          await sleep(100);
          const m = await c.metrics();
          const now = m.sum(handedOn);
          const still = now === last && m.sum('safeguards_flowbus_pending_messages') === 0;
          last = now;
          return still;
        });
      }
      await opts.between?.(k, chunks);
    }
  } finally {
    for (const e of exporters) e.close();
  }
  let decoded = 0;
  let lost = 0;
  for (const c of t.collectors) {
    await until(`${c.name} to decode what it was sent`, 30_000, async () => {
      const m = await c.metrics();
      return m.sum('safeguards_flow_records_decoded_total') >= (expected.get(c) ?? 0);
    });
    const m = await c.metrics();
    decoded += m.sum('safeguards_flow_records_decoded_total');
    lost += m.sum('safeguards_flow_exporter_lost_total');
  }
  return { sent: exporters.reduce((a, e) => a + e.records, 0), decoded, lost };
}

/**
 * Waits until detection has nothing left to say: no active incident and no finding waiting in any
 * detection process, and the cases (with their evidence) unchanged over three looks a second
 * apart. Incidents of replayed (old) traffic end at detection's next wall-clock tick (DETECTION_TICK).
 */
export async function settledCases(t: Topology, timeoutMs = 60_000): Promise<CaseRow[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let same = 0;
  for (;;) {
    const active = await Topology.sum(t.detection, 'safeguards_detection_active_incidents');
    const waiting = await Topology.sum(t.detection, 'safeguards_detection_findings_waiting');
    const cases = await t.cases();
    const now = JSON.stringify(caseKeys(cases));
    same = active === 0 && waiting === 0 && now === last && cases.length > 0 ? same + 1 : 0;
    last = now;
    if (same >= 3) return cases;
    if (Date.now() > deadline)
      throw new Error(`cases did not settle in ${timeoutMs} ms (active ${active}, waiting ${waiting}): ${now}`);
    await sleep(1000);
  }
}

/** A case as runs compare it: identity, severity, its findings and its evidence figures. */
export interface CaseKey {
  /** VM, role, kind, direction, severity, the number and ids of its findings. */
  findings: string;
  /** Evidence figures summed over its findings. */
  counts: string;
}

/** The cases of a run as CaseKeys, in a stable order. */
export function caseKeys(cases: CaseRow[]): CaseKey[] {
  return cases
    .map((c) => {
      const e = c.evidence;
      const ids = [...e.findingIds].sort().join(',');
      const findings = `${c.vmId} ${c.role} ${c.kind} ${c.direction} ${c.severity} findings=${e.findingCount} ids=${ids}`;
      const n = e.counts;
      return {
        findings,
        counts: `flows=${n.flows} packets=${n.packets} bytes=${n.bytes} peers=${n.distinctPeers} ports=${n.distinctPorts}`,
      };
    })
    .sort((a, b) => (a.findings < b.findings ? -1 : a.findings > b.findings ? 1 : 0));
}
