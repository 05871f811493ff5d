import type { FlowBatch } from '@sg/flows';
import { partitionOf } from '../../libs/flowbus/src/partitioner';
import { LABEL_KIND, loadSharedLabels } from '../support/realdata/shared-scenarios';
import { haveSoftflowd } from '../support/realdata/softflowd';
import { createTestDatabase } from '../support/test-db';
import { api } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';
import { caseKeys, replayThrough, settledCases, type CaseKey } from './support/replay';
import { loadScenarioFlows, scenarioInventory, withClock } from './support/scenario-flows';
import type { AppProcess } from '../support/app-process';
import { Topology } from './support/topology';

/** Records per replay chunk: 7 chunks, taking turns between the two collectors. */
const CHUNK = 8000;
const DETECTORS = 3;
/** FLOW_PARTITIONS (SCALE_PARTITIONS=3 gives each detector one partition). */
const PARTITIONS = Number(process.env.SCALE_PARTITIONS ?? 64);

interface RunResult {
  cases: CaseKey[];
  /** Records each collector decoded. */
  perCollector: number[];
  /** Records each detector read from its partitions (the replacement's, for the killed index). */
  perDetector: number[];
  replacement?: { consumed: number; ready: unknown };
  /** Figures that explain a difference: records dropped as late or shed, on the way or in detection. */
  figures: Record<string, number>;
}

const FIGURES = {
  lateDropped: 'safeguards_detection_late_dropped_total',
  detectionShed: 'safeguards_detection_shed_records_total',
  detected: 'safeguards_detection_records_total',
  busShed: 'safeguards_flowbus_shed_records_total',
  busLost: 'safeguards_flowbus_lost_records_total',
  redeliveredSkipped: 'safeguards_flowbus_redelivered_skipped_total',
};

/** True once GET /readyz answers 200 (every owned partition caught up), else its last answer after 60 s. */
async function untilReady(d: AppProcess): Promise<true | string> {
  let last = '';
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const res = await fetch(`${d.url}/readyz`);
    last = await res.text();
    if (res.status === 200) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

/**
 * Issue 15's proof, with real processes from the built dist: the labelled shared scenarios (pcaps
 * through softflowd, then IPFIX from two exporters) give a one-process run (FLOW_BUS=memory) its
 * cases; the same records through two collector processes, NATS JetStream (a nats-server each
 * run starts) and three detector processes must give exactly those cases with the same evidence
 * counts and finding ids; also when a detector is SIGKILLed mid-run and a replacement takes its
 * DETECTOR_INDEX. Each run has a fresh database, queues, ports and nats-server.
 */
describe('flow bus over NATS JetStream: two collectors and three detectors find what one process finds', () => {
  const labels = loadSharedLabels();
  const attackVms = labels.scenarios
    .filter((s) => s.role !== 'none' && LABEL_KIND[s.kind])
    .map((s) => labels.vms[s.vm_ip].name);
  // The detector to kill: the one owning the partitions of the most attack VMs.
  const owners = attackVms.map((vm) => partitionOf(vm, PARTITIONS) % DETECTORS);
  const victim = [0, 1, 2].sort(
    (a, b) => owners.filter((o) => o === b).length - owners.filter((o) => o === a).length,
  )[0];
  // One clock VM per detector (see withClock): the first names whose partitions each detector owns.
  const clockVms = [0, 1, 2].map((d) => {
    for (let k = 0; ; k++) if (partitionOf(`clock-${k}`, PARTITIONS) % DETECTORS === d) return `clock-${k}`;
  });
  let flows: FlowBatch;
  let baseline: RunResult;

  const run = async (bus: 'memory' | 'nats', kill = false): Promise<RunResult> => {
    const db = await createTestDatabase();
    const t0 = Date.now();
    const step = (what: string) =>
      process.env.SCALE_DEBUG && console.log(`${bus}${kill ? '+kill' : ''}: ${what} at ${Date.now() - t0} ms`);
    let t: Topology | null = null;
    try {
      t = await Topology.start({
        bus,
        databaseUrl: db.url,
        redisUrl: TEST_REDIS_URL,
        collectors: 2,
        detectors: DETECTORS,
        // No wall-clock tick during the test: the clock flows end the incidents (withClock).
        env: { DETECTION_TICK: '1h', FLOW_PARTITIONS: String(PARTITIONS) },
        beforeFlows: async (core) => {
          const r = await api(core.url, 'POST', '/api/v1/inventory/import', scenarioInventory(labels, clockVms));
          expect(r.status).toBe(200);
        },
      });
      const topo = t;
      step('started');
      let replacement: RunResult['replacement'];
      const sent = await replayThrough(t, flows, {
        chunk: CHUNK,
        tail: clockVms.length,
        between: async (k, chunks) => {
          if (kill && k === Math.floor(chunks / 2)) {
            // The collectors go on publishing while the replacement starts and replays.
            await topo.replaceDetector(victim);
            replacement = { consumed: 0, ready: false };
          }
          // The clock flows stand in for the wall-clock tick that comes minutes later in production:
          // they go once every detector has caught up (/readyz), so they are the last records each reads.
          if (k === chunks - 2) for (const d of topo.detectors) await untilReady(d);
        },
      });
      expect(sent).toEqual({ sent: flows.length, decoded: flows.length, lost: 0 });
      step('replayed');
      const cases = caseKeys(await settledCases(t));
      step('settled');
      const perCollector = await Promise.all(
        t.collectors.map(async (c) => (await c.metrics()).sum('safeguards_flow_records_decoded_total')),
      );
      const perDetector = await Promise.all(
        t.detectors.map(async (d) => (await d.metrics()).sum('safeguards_flowbus_consumed_records_total')),
      );
      if (replacement) replacement = { consumed: perDetector[victim], ready: await untilReady(t.detectors[victim]) };
      const figures: Record<string, number> = {};
      for (const [k, name] of Object.entries(FIGURES))
        figures[k] = await Topology.sum([...t.detection, ...t.collectors.filter((c) => c !== t!.core)], name);
      return { cases, perCollector, perDetector, replacement, figures };
    } finally {
      await t?.stop();
      await db.drop();
    }
  };

  beforeAll(async () => {
    if (!haveSoftflowd())
      throw new Error('softflowd is not installed: apt-get install -y --no-install-recommends softflowd');
    flows = withClock(await loadScenarioFlows(labels), clockVms);
    expect(flows.length).toBeGreaterThan(50_000);
    baseline = await run('memory');
  }, 180_000);

  /** The cases (or only their findings) must equal the one-process run's; a difference shows the figures that explain it. */
  const expectBaseline = (r: RunResult | undefined, part: 'findings' | 'all') => {
    if (!r) throw new Error('the run failed (see the test before)');
    const pick = (c: CaseKey[]) => (part === 'all' ? c : c.map((k) => k.findings));
    try {
      expect(pick(r.cases)).toEqual(pick(baseline.cases));
    } catch (err) {
      (err as Error).message +=
        `\n\nfigures: ${JSON.stringify(r.figures)}\none process: ${JSON.stringify(baseline.figures)}`;
      throw err;
    }
  };

  it('the one-process run (FLOW_BUS=memory) opens a case for every labelled attack and none for benign VMs', () => {
    const wanted = labels.scenarios
      .filter((s) => s.role !== 'none' && LABEL_KIND[s.kind])
      .map((s) => `${labels.vms[s.vm_ip].name} ${s.role} ${LABEL_KIND[s.kind]}`)
      .sort();
    expect(baseline.cases.map((k) => k.findings.split(' ').slice(0, 3).join(' '))).toEqual(wanted);
  });

  let viaBus: RunResult | undefined;
  let withKill: RunResult | undefined;

  it('two collectors, JetStream and three detectors: exactly the cases of the one-process run (VM, role, kind, direction, severity), each with the same findings and evidence figures', async () => {
    viaBus = await run('nats');
    // Both collectors took a share of the records; every detector had partitions with traffic.
    expect(viaBus.perCollector).toHaveLength(2);
    for (const n of viaBus.perCollector) expect(n).toBeGreaterThan(flows.length / 4);
    expect(viaBus.perDetector).toHaveLength(DETECTORS);
    for (const n of viaBus.perDetector) expect(n).toBeGreaterThan(0);
    // Same findings (ids included) and the same flows, packets, bytes, peers and ports: each
    // partition has a detection clock of its own (DetectionEngine.partClocks).
    expectBaseline(viaBus, 'all');
  }, 180_000);

  it('a detector SIGKILLed mid-run and replaced under the same DETECTOR_INDEX: the replacement catches up, no finding is lost or doubled, the evidence figures are those of one process', async () => {
    expect(owners.filter((o) => o === victim).length).toBeGreaterThan(0);
    withKill = await run('nats', true);
    // The replacement replayed its partitions from the stream and caught up.
    expect(withKill.replacement).toEqual({ consumed: expect.any(Number), ready: true });
    expect(withKill.replacement!.consumed).toBeGreaterThan(0);
    // Every case of the one-process run, with each of its findings (same VM, role, kind, direction, severity).
    const got = new Map(withKill.cases.map((k) => [k.findings.split(' findings=')[0], k.findings]));
    for (const k of baseline.cases) {
      const [id, findings] = k.findings.split(' findings=');
      expect([id, got.has(id)]).toEqual([id, true]);
      for (const f of findings.split(' ids=')[1].split(',')) expect(got.get(id)).toContain(f);
    }
    expectBaseline(withKill, 'all');
  }, 180_000);
});
