import type { LoginEvent } from '../events/login-event';
import { DB_ALERT_INFO, type DbAlertType } from './alert-types';
import {
  DEFAULT_DETECTOR_CONFIG,
  HARMFUL_APPLICATIONS,
  NMAP_VERSION_PROBE,
  type DetectorConfig,
} from './detector-config';
import { emptyIpFacts, ipv4ToNumber, type IpEnrichment, type IpFacts } from './ip-enrichment';
import type { DbAlertSeverity } from '../servers/db-server-policy.entity';

/** What a detector found: rare, so it is a fresh object (the events are not). */
export interface AlertHit {
  serverId: string;
  type: DbAlertType;
  severity: DbAlertSeverity;
  /** What repeats fold by (with server and type): the source address, the user, or '' for the server. */
  key: string;
  at: number;
  sourceIp: string;
  user: string;
  database: string;
  application: string;
  facts: IpFacts;
  /** For anomaly alerts: the baseline value found unseen (another process may have seen it). */
  baseline?: { kind: BaselineKind; value: string };
  rule: string;
  threshold: Record<string, number | string>;
  values: Record<string, number | string | string[]>;
  /** First event behind it (event time); `at` is the last. */
  firstAt: number;
}

export interface AlertHitSink {
  onAlert(hit: AlertHit): void;
}

/** Threat-list lookup (detection's ThreatIntel fits): category mask of an IPv4 address, 0 when unlisted. */
export interface ThreatLookup {
  lookupV4(addr: number): number;
  categoryNames(mask: number): string[];
}

/** Baseline dimensions: what a server's successful logins have come from. */
export const BASELINE_KINDS = ['user', 'country', 'asn', 'provider', 'region', 'application'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** One baseline entry: when the value was last seen (event time) and last written to PostgreSQL. */
export interface BaselineEntry {
  kind: BaselineKind;
  value: string;
  firstSeen: number;
  lastSeen: number;
  persistedLastSeen: number;
  /** In `dirty` already. */
  queued: boolean;
}

/** Failed-login state of one source address against one server (made on its first failure). */
interface SourceState {
  /** Leaky buckets, level and time of last fill each: all failures, valid-role failures, distinct names. */
  buckets: Float64Array;
  users: Set<string>;
  failures: number;
  validFailures: number;
  invalidUsers: number;
  template1: number;
  firstAt: number;
  lastAt: number;
  bruteUntil: number;
  bruteType: DbAlertType | '';
}

/** Per-server state: baselines plus failure tracking. */
export class ServerDetectorState {
  /** Earliest event time of the baseline (learning starts here); 0 when nothing seen. */
  baselineStart = 0;
  /** One map per baseline kind (value -> entry), so a lookup needs no key string built per event. */
  readonly baseline: Record<BaselineKind, Map<string, BaselineEntry>> = {
    user: new Map(),
    country: new Map(),
    asn: new Map(),
    provider: new Map(),
    region: new Map(),
    application: new Map(),
  };
  /** Entries whose lastSeen moved by more than the write granularity (or are new). */
  dirty: BaselineEntry[] = [];
  startDirty = false;
  readonly sources = new Map<string, SourceState>();
  /** user -> until when a login for it counts as a successful brute force. */
  readonly userBruteUntil = new Map<string, number>();
  distWindowStart = 0;
  distFailures = 0;
  readonly distSources = new Set<string>();
  distAlerted = false;

  constructor(readonly serverId: string) {}
}

/** Baseline lastSeen is written back at most this often per entry (event time). */
const PERSIST_GRANULARITY_MS = 3_600_000;
/** Bounds on per-source memory under a spray of names or addresses. */
const MAX_USERS_PER_SOURCE = 1000;
const MAX_SOURCES_PER_SERVER = 100_000;
const MAX_DIST_SOURCES = 10_000;

/**
 * The login detectors, over joined login events in event time. Plain TypeScript: Nest wires it,
 * it does not run inside the loop. Per event it does map lookups and arithmetic only; objects are
 * made per new source address (first failure), per new baseline value and per alert.
 */
export class LoginDetector {
  private readonly servers = new Map<string, ServerDetectorState>();
  private readonly facts = emptyIpFacts();
  private readonly harmfulCache = new Map<string, string>();

  constructor(
    private readonly enrichment: IpEnrichment,
    private readonly threats: ThreatLookup | null,
    private readonly sink: AlertHitSink,
    private readonly cfg: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
  ) {}

  state(serverId: string): ServerDetectorState {
    let s = this.servers.get(serverId);
    if (!s) {
      s = new ServerDetectorState(serverId);
      this.servers.set(serverId, s);
    }
    return s;
  }

  hasState(serverId: string): boolean {
    return this.servers.has(serverId);
  }

  get serverCount(): number {
    return this.servers.size;
  }

  /** Seeds a server's baseline (from PostgreSQL) before its first events. */
  seedBaseline(
    serverId: string,
    start: number,
    entries: Iterable<Omit<BaselineEntry, 'persistedLastSeen' | 'queued'>>,
  ): void {
    const s = this.state(serverId);
    if (start && (!s.baselineStart || start < s.baselineStart)) s.baselineStart = start;
    for (const e of entries) {
      s.baseline[e.kind].set(e.value, { ...e, persistedLastSeen: e.lastSeen, queued: false });
    }
  }

  /** Takes and clears what must be written back to the baseline table. */
  takeDirty(serverId: string): { start: number | null; entries: BaselineEntry[] } {
    const s = this.servers.get(serverId);
    if (!s) return { start: null, entries: [] };
    const entries = s.dirty;
    s.dirty = [];
    for (const e of entries) {
      e.persistedLastSeen = e.lastSeen;
      e.queued = false;
    }
    const start = s.startDirty ? s.baselineStart : null;
    s.startDirty = false;
    return { start, entries };
  }

  process(e: Readonly<LoginEvent>): void {
    const s = this.state(e.serverId);
    const at = e.at;
    if (!s.baselineStart || at < s.baselineStart) {
      s.baselineStart = at;
      s.startDirty = true;
    }
    switch (e.kind) {
      case 'login-failed':
      case 'hba-rejected':
        this.onFailure(s, e);
        break;
      case 'login-ok':
        this.onLogin(s, e);
        break;
      case 'connect':
        // nmap's version probe may end before any failure line with a user is written.
        if (e.user === NMAP_VERSION_PROBE || e.database === NMAP_VERSION_PROBE)
          this.harmful(s, e, 'nmap-version-probe');
        break;
      default:
        break;
    }
  }

  private onFailure(s: ServerDetectorState, e: Readonly<LoginEvent>): void {
    const cfg = this.cfg;
    const at = e.at;
    const ip = e.clientIp;
    if (e.user === NMAP_VERSION_PROBE || e.database === NMAP_VERSION_PROBE) {
      this.harmful(s, e, 'nmap-version-probe');
      return;
    }

    // Distributed: failures against the server from many addresses in a window.
    if (at - s.distWindowStart > cfg.distributedWindowMs) {
      s.distWindowStart = at;
      s.distFailures = 0;
      s.distSources.clear();
      s.distAlerted = false;
    }
    s.distFailures++;
    if (ip && s.distSources.size < MAX_DIST_SOURCES) s.distSources.add(ip);
    if (s.distFailures >= cfg.distributedFailures && s.distSources.size >= cfg.distributedSources && !s.distAlerted) {
      s.distAlerted = true;
      this.emit(
        s,
        e,
        'distributed-brute-force',
        '',
        'failed logins against the server from many addresses',
        s.distWindowStart,
        {
          threshold: {
            failures: cfg.distributedFailures,
            windowMs: cfg.distributedWindowMs,
            sources: cfg.distributedSources,
          },
          values: {
            failures: s.distFailures,
            sources: s.distSources.size,
            sampleSources: [...s.distSources].slice(0, 20),
          },
        },
      );
      if (e.user) s.userBruteUntil.set(e.user, at + cfg.bruteSuccessWindowMs);
    }

    if (!ip) return;
    let src = s.sources.get(ip);
    if (!src) {
      if (s.sources.size >= MAX_SOURCES_PER_SERVER) this.evictSources(s, at);
      src = {
        buckets: new Float64Array(6),
        users: new Set(),
        failures: 0,
        validFailures: 0,
        invalidUsers: 0,
        template1: 0,
        firstAt: at,
        lastAt: at,
        bruteUntil: 0,
        bruteType: '',
      };
      s.sources.set(ip, src);
    }
    if (at - src.lastAt > cfg.bruteSuccessWindowMs) {
      // A new episode: the counters of the evidence start over.
      src.failures = 0;
      src.validFailures = 0;
      src.invalidUsers = 0;
      src.template1 = 0;
      src.firstAt = at;
      src.users.clear();
    }
    src.lastAt = at;
    src.failures++;
    const valid = e.kind === 'login-failed' && !e.invalidUser && e.sqlState === '28P01' && e.user !== '';
    if (e.invalidUser) src.invalidUsers++;

    // One-source brute force (leaky bucket).
    if (overflows(src.buckets, BUCKET_ALL, at, cfg.bruteLeakMs, cfg.bruteCapacity))
      this.sourceAlert(s, e, src, 'brute-force', 'failed logins from one address faster than the bucket leaks');

    // The same, counting only password failures of roles that exist.
    if (valid) {
      src.validFailures++;
      if (overflows(src.buckets, BUCKET_VALID, at, cfg.bruteLeakMs, cfg.bruteCapacity)) {
        s.userBruteUntil.set(e.user, at + cfg.bruteSuccessWindowMs);
        this.sourceAlert(s, e, src, 'brute-force-valid-user', 'password failures of an existing role from one address');
      }
    }

    // Enumeration: distinct user names from the source.
    if (e.user && !src.users.has(e.user) && src.users.size < MAX_USERS_PER_SOURCE) {
      src.users.add(e.user);
      if (overflows(src.buckets, BUCKET_NAMES, at, cfg.enumLeakMs, cfg.enumCapacity))
        this.sourceAlert(
          s,
          e,
          src,
          'user-enumeration',
          'distinct user names from one address faster than the bucket leaks',
        );
    }

    // hydra's default database.
    if (e.database === 'template1') {
      src.template1++;
      if (src.template1 === cfg.template1Failures) this.harmful(s, e, 'template1-failures');
    }
  }

  private onLogin(s: ServerDetectorState, e: Readonly<LoginEvent>): void {
    const cfg = this.cfg;
    const at = e.at;
    const ip = e.clientIp;
    const f = this.enrichment.lookup(ip, this.facts);

    if (e.user === NMAP_VERSION_PROBE || e.database === NMAP_VERSION_PROBE) this.harmful(s, e, 'nmap-version-probe');
    else if (e.application) {
      const tool = this.harmfulTool(e.application);
      if (tool) this.harmful(s, e, `application-name:${tool}`);
    }

    // Successful brute force: a login from a source (or for a user) soon after its brute force.
    const src = ip ? s.sources.get(ip) : undefined;
    const userUntil = e.user ? (s.userBruteUntil.get(e.user) ?? 0) : 0;
    if ((src && src.bruteUntil >= at) || userUntil >= at) {
      const bySource = !!src && src.bruteUntil >= at;
      this.emit(
        s,
        e,
        'brute-force-success',
        bySource ? ip : e.user,
        'a successful login after a brute force from the same address or against the same user',
        bySource ? src!.firstAt : at,
        {
          threshold: { withinMs: cfg.bruteSuccessWindowMs },
          values: {
            after: bySource ? src!.bruteType : 'brute-force-valid-user',
            failuresBefore: src ? src.failures : 0,
            usersTried: src ? src.users.size : 0,
          },
        },
      );
      if (src) src.bruteUntil = 0;
      if (userUntil) s.userBruteUntil.delete(e.user);
    }

    if (this.threats) {
      const a = ipv4ToNumber(ip);
      const mask = a >= 0 ? this.threats.lookupV4(a) : 0;
      if (mask !== 0)
        this.emit(s, e, 'suspicious-ip', ip, 'a successful login from an address on a threat list', at, {
          threshold: { lists: 'THREAT_LISTS' },
          values: { categories: this.threats.categoryNames(mask) },
        });
    }

    const learned = s.baselineStart > 0 && at - s.baselineStart >= cfg.learningPeriodMs;
    if (e.user) this.see(s, e, 'user', e.user, learned, 'unfamiliar-principal', e.user);
    if (f.country) this.see(s, e, 'country', f.country, learned, 'unusual-location', ip);
    if (f.asn) this.see(s, e, 'asn', asnText(f.asn), learned, 'unusual-network', ip);
    if (f.provider) this.see(s, e, 'provider', f.provider, learned, 'unusual-cloud-provider', ip);
    if (f.region) this.see(s, e, 'region', f.region, learned, 'unusual-data-centre', ip);
    if (e.application) this.see(s, e, 'application', e.application, false, null, '');
  }

  /** Checks a value against the baseline (alerting when unseen within the window), then records it. */
  private see(
    s: ServerDetectorState,
    e: Readonly<LoginEvent>,
    kind: BaselineKind,
    value: string,
    learned: boolean,
    type: DbAlertType | null,
    key: string,
  ): void {
    const at = e.at;
    const window = this.cfg.baselineWindowMs;
    const map = s.baseline[kind];
    const entry = map.get(value);
    if (type && learned && (!entry || at - entry.lastSeen > window)) {
      this.emit(
        s,
        e,
        type,
        key,
        `a successful login with a ${kind} not seen on this server in the baseline window`,
        at,
        {
          threshold: { baselineWindowMs: window, learningPeriodMs: this.cfg.learningPeriodMs },
          values: {
            [kind]: value,
            lastSeen: entry ? new Date(entry.lastSeen).toISOString() : 'never',
            baselineSince: new Date(s.baselineStart).toISOString(),
            knownValues: this.knownValues(s, kind, at),
          },
        },
        { kind, value },
      );
    }
    if (!entry) {
      const fresh: BaselineEntry = { kind, value, firstSeen: at, lastSeen: at, persistedLastSeen: 0, queued: true };
      map.set(value, fresh);
      s.dirty.push(fresh);
      return;
    }
    let changed = false;
    if (at > entry.lastSeen) {
      entry.lastSeen = at;
      changed = at - entry.persistedLastSeen > PERSIST_GRANULARITY_MS;
    }
    if (at < entry.firstSeen) {
      entry.firstSeen = at;
      changed = true;
    }
    if (changed && !entry.queued) {
      entry.queued = true;
      s.dirty.push(entry);
    }
  }

  private knownValues(s: ServerDetectorState, kind: BaselineKind, at: number): string[] {
    const out: string[] = [];
    for (const entry of s.baseline[kind].values()) {
      if (at - entry.lastSeen <= this.cfg.baselineWindowMs) out.push(entry.value);
      if (out.length >= 20) break;
    }
    return out;
  }

  private harmfulTool(app: string): string {
    let tool = this.harmfulCache.get(app);
    if (tool === undefined) {
      tool = matchHarmful(app);
      if (this.harmfulCache.size > 10_000) this.harmfulCache.clear();
      this.harmfulCache.set(app, tool);
    }
    return tool;
  }

  private harmful(s: ServerDetectorState, e: Readonly<LoginEvent>, signal: string): void {
    const src = e.clientIp ? s.sources.get(e.clientIp) : undefined;
    this.emit(
      s,
      e,
      'harmful-application',
      e.clientIp,
      'a login or attempt by a known attack tool',
      src ? src.firstAt : e.at,
      {
        threshold: {
          applicationNames: HARMFUL_APPLICATIONS.join(','),
          versionProbe: NMAP_VERSION_PROBE,
          template1Failures: this.cfg.template1Failures,
        },
        values: { signal, application: e.application, kind: e.kind, failuresFromSource: src ? src.failures : 0 },
      },
    );
  }

  /** Marks the source as brute-forcing (a login soon after is a success) and emits its alert. */
  private sourceAlert(
    s: ServerDetectorState,
    e: Readonly<LoginEvent>,
    src: SourceState,
    type: DbAlertType,
    rule: string,
  ): void {
    src.bruteUntil = e.at + this.cfg.bruteSuccessWindowMs;
    if (src.bruteType !== 'brute-force-valid-user') src.bruteType = type;
    const enumeration = type === 'user-enumeration';
    this.emit(s, e, type, e.clientIp, rule, src.firstAt, {
      threshold: {
        capacity: enumeration ? this.cfg.enumCapacity : this.cfg.bruteCapacity,
        leakMs: enumeration ? this.cfg.enumLeakMs : this.cfg.bruteLeakMs,
      },
      values: {
        failures: src.failures,
        passwordFailuresOfExistingRoles: src.validFailures,
        failuresOfUnknownRoles: src.invalidUsers,
        distinctUsers: src.users.size,
        sampleUsers: [...src.users].slice(0, 20),
      },
    });
  }

  private emit(
    s: ServerDetectorState,
    e: Readonly<LoginEvent>,
    type: DbAlertType,
    key: string,
    rule: string,
    firstAt: number,
    detail: { threshold: AlertHit['threshold']; values: AlertHit['values'] },
    baseline?: AlertHit['baseline'],
  ): void {
    const facts = { ...this.enrichment.lookup(e.clientIp, emptyIpFacts()) };
    this.sink.onAlert({
      serverId: s.serverId,
      type,
      severity: DB_ALERT_INFO[type].severity,
      key,
      at: e.at,
      firstAt,
      sourceIp: e.clientIp,
      user: e.user,
      database: e.database,
      application: e.application,
      facts,
      rule,
      threshold: detail.threshold,
      values: detail.values,
      ...(baseline ? { baseline } : {}),
    });
  }

  /** Drops the sources idle longest when a server tracks too many (an address spray). */
  private evictSources(s: ServerDetectorState, at: number): void {
    for (const [ip, src] of s.sources) {
      if (at - src.lastAt > this.cfg.bruteSuccessWindowMs || s.sources.size >= MAX_SOURCES_PER_SERVER)
        s.sources.delete(ip);
      if (s.sources.size < MAX_SOURCES_PER_SERVER * 0.9) break;
    }
  }
}

const BUCKET_ALL = 0;
const BUCKET_VALID = 2;
const BUCKET_NAMES = 4;

/**
 * Adds one event to the leaky bucket at `b[i]` (level) / `b[i + 1]` (time of the last event), after
 * leaking one unit per `leakMs` since then. True, and the bucket emptied, when it overflows.
 */
function overflows(b: Float64Array, i: number, at: number, leakMs: number, capacity: number): boolean {
  const elapsed = at - b[i + 1];
  let level = b[i];
  if (elapsed > 0) level = level - elapsed / leakMs > 0 ? level - elapsed / leakMs : 0;
  b[i + 1] = at;
  if (level + 1 > capacity) {
    b[i] = 0;
    return true;
  }
  b[i] = level + 1;
  return false;
}

const asnTexts = new Map<number, string>();
function asnText(asn: number): string {
  let t = asnTexts.get(asn);
  if (t === undefined) {
    t = `AS${asn}`;
    asnTexts.set(asn, t);
  }
  return t;
}

/** The deny-listed tool an application_name names (whole words, any case), '' when none. */
export function matchHarmful(app: string): string {
  const words = app.toLowerCase().split(/[^a-z0-9]+/);
  for (const tool of HARMFUL_APPLICATIONS) if (words.includes(tool)) return tool;
  return '';
}
