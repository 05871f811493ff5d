import { startAppProcess, type AppProcess, type Metrics } from '../../support/app-process';
import { startNatsServer, type TestNatsServer } from '../../support/nats-server';
import { ADMIN_TOKEN, api } from '../../support/http';

/**
 * The metric a collector counts records it handed on with: to the bus (nats) or to detection in
 * its own process (memory). The replay waits on it before the other collector's turn.
 */
export const HANDED_ON = {
  nats: 'safeguards_flowbus_published_records_total',
  memory: 'safeguards_detection_records_total',
} as const;

export interface TopologyOptions {
  /** memory: one process with every role; nats: api+worker, collectors and detectors apart. */
  bus: 'memory' | 'nats';
  databaseUrl: string;
  redisUrl: string;
  collectors?: number;
  detectors?: number;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Run before the collectors and detectors start (e.g. the inventory import). */
  beforeFlows?: (core: AppProcess) => Promise<void>;
}

/**
 * Safeguards as separate real processes on one database and one Redis: with FLOW_BUS=nats a
 * nats-server with JetStream (started here), an api+worker process, `detectors` detector
 * processes (DETECTOR_INDEX 0..N-1 of DETECTOR_COUNT N) and `collectors` collector processes;
 * with FLOW_BUS=memory one process running api, collector and worker, today's default.
 */
export class Topology {
  nats: TestNatsServer | null = null;
  core!: AppProcess;
  collectors: AppProcess[] = [];
  detectors: AppProcess[] = [];

  private constructor(readonly opts: TopologyOptions) {}

  static async start(opts: TopologyOptions): Promise<Topology> {
    const t = new Topology(opts);
    try {
      await t.boot();
    } catch (err) {
      await t.stop();
      throw err;
    }
    return t;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    const o = this.opts;
    return {
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      // The database's own queues: processes of other tests on the same Redis never take its jobs.
      QUEUE_PREFIX: `sgt:${new URL(o.databaseUrl).pathname.slice(1)}`,
      ADMIN_TOKEN,
      FLOW_BUS: o.bus,
      ...(this.nats ? { NATS_URL: this.nats.url } : {}),
      CASE_REMINDERS: 'none',
      ...o.env,
      ...extra,
    };
  }

  private async boot(): Promise<void> {
    const o = this.opts;
    if (o.bus === 'memory') {
      this.core = await startAppProcess({ name: 'all roles', roles: 'api,collector,worker', env: this.env() });
      await o.beforeFlows?.(this.core);
      this.collectors = [this.core];
      return;
    }
    this.nats = await startNatsServer();
    this.core = await startAppProcess({ name: 'api+worker', roles: 'api,worker', env: this.env() });
    await o.beforeFlows?.(this.core);
    const n = o.detectors ?? 1;
    this.detectors = await Promise.all(Array.from({ length: n }, (_, i) => this.startDetector(i)));
    this.collectors = await Promise.all(
      Array.from({ length: o.collectors ?? 1 }, (_, i) =>
        startAppProcess({ name: `collector ${i}`, roles: 'collector', env: this.env() }),
      ),
    );
  }

  /** Detector `index` of DETECTOR_COUNT; resolves once /healthz answers (it may still be replaying: /readyz). */
  startDetector(index: number): Promise<AppProcess> {
    return startAppProcess({
      name: `detector ${index}`,
      roles: 'detector',
      env: this.env({ DETECTOR_INDEX: String(index), DETECTOR_COUNT: String(this.opts.detectors ?? 1) }),
    });
  }

  /** SIGKILLs detector `index` (a machine failure) and starts its replacement with the same index. */
  async replaceDetector(index: number): Promise<AppProcess> {
    await this.detectors[index].kill('SIGKILL');
    this.detectors[index] = await this.startDetector(index);
    return this.detectors[index];
  }

  /** The processes that run detection: the detectors, or the one process. */
  get detection(): AppProcess[] {
    return this.opts.bus === 'memory' ? [this.core] : this.detectors;
  }

  /** Sums a metric over processes (a process that cannot answer counts as missing: NaN). */
  static async sum(procs: AppProcess[], name: string, where: Record<string, string> = {}): Promise<number> {
    let s = 0;
    for (const p of procs) {
      let m: Metrics;
      try {
        m = await p.metrics();
      } catch {
        return NaN;
      }
      s += m.sum(name, where);
    }
    return s;
  }

  /** Every case, oldest first (the API pages by 500). */
  async cases(): Promise<CaseRow[]> {
    const out: CaseRow[] = [];
    for (let offset = 0; ; offset += 500) {
      const r = await api(this.core.url, 'GET', `/api/v1/cases?limit=500&offset=${offset}`);
      if (r.status !== 200) throw new Error(`GET /api/v1/cases: ${r.status} ${JSON.stringify(r.body)}`);
      out.push(...(r.body as CaseRow[]));
      if ((r.body as CaseRow[]).length < 500) return out;
    }
  }

  async stop(): Promise<void> {
    const all = [...this.collectors.filter((c) => c !== this.core), ...this.detectors, this.core].filter(Boolean);
    await Promise.all(all.map((p) => p.stop().catch(() => undefined)));
    await this.nats?.destroy();
  }
}

export interface CaseRow {
  vmId: string;
  role: string;
  kind: string;
  direction: string;
  severity: string;
  evidence: {
    counts: { flows: number; packets: number; bytes: number; distinctPeers: number; distinctPorts: number };
    findingCount: number;
    findingIds: string[];
  };
}
