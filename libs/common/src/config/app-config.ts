import { z } from 'zod';
import { parseCidr, type Cidr } from '../ip';
import { parseDuration } from './duration';

/**
 * Every environment variable Safeguards reads, validated once at start into typed config.
 * A bad value stops start-up with the variable named (see loadConfig). Defaults follow the
 * contracts in ARCHITECTURE.md; .env.example and the README's table list the same variables.
 */
const duration = (def: string, allowZero = false) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null || ms < 0 || (ms === 0 && !allowZero)) {
        ctx.addIssue({ code: 'custom', message: `not a duration like 90s, 15m, 24h or 7d: "${v}"` });
        return z.NEVER;
      }
      return ms;
    });

const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${protocols.join(' or ')}` },
  );

const cidrList = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const out: Cidr[] = [];
    for (const part of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const c = parseCidr(part);
      if (!c) {
        ctx.addIssue({ code: 'custom', message: `not an IP prefix: "${part}"` });
        return z.NEVER;
      }
      out.push(c);
    }
    return out;
  });

/** `host:port` pairs, comma-separated (IPv6 hosts in brackets); empty: none. */
const redisNodes = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const parts = v.split(',').flatMap((s) => (s.trim() ? [s.trim()] : []));
    const nodes = parts.map((part) => /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(part));
    const bad = parts.find((_, i) => !nodes[i] || Number(nodes[i]![3]) < 1 || Number(nodes[i]![3]) > 65535);
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `expected host:port seed nodes, comma-separated; got "${bad}"` });
      return z.NEVER;
    }
    return nodes.map((m) => ({ host: m![1] ?? m![2], port: Number(m![3]) }));
  });

/** Comma-separated `key=path` pairs, the key matching `keyOk` (THREAT_LISTS, DBWATCH_FOLLOW). */
const pathPairs = (keyName: string, keyOk: RegExp) =>
  z
    .string()
    .default('')
    .transform((v, ctx) => {
      const out: { key: string; path: string }[] = [];
      for (const part of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const eq = part.indexOf('=');
        const key = part.slice(0, eq).trim();
        const path = part.slice(eq + 1).trim();
        if (eq <= 0 || !keyOk.test(key) || !path) {
          ctx.addIssue({ code: 'custom', message: `expected ${keyName}=path pairs, got "${part}"` });
          return z.NEVER;
        }
        out.push({ key, path });
      }
      return out;
    });

const threatLists = pathPairs('category', /^[a-z0-9_-]+$/i).transform((pairs) =>
  pairs.map(({ key, path }) => ({ category: key.toLowerCase(), path })),
);

const dbwatchFollow = pathPairs('serverId', /^[A-Za-z0-9._:-]{1,128}$/).transform((pairs) =>
  pairs.map(({ key, path }) => ({ serverId: key, path })),
);

const roles = z
  .string()
  .default('api,collector,worker')
  .transform((v, ctx) => {
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = list.filter((r) => !['api', 'collector', 'worker', 'detector'].includes(r));
    if (bad.length || !list.length) {
      ctx.addIssue({ code: 'custom', message: `roles are api, collector, worker, detector; got "${v}"` });
      return z.NEVER;
    }
    return list as ProcessRole[];
  });

/** What a process runs (ROLES); an API token's role is TokenRole in @sg/auth. */
export type ProcessRole = 'api' | 'collector' | 'worker' | 'detector';

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLES: roles,
  PORT: port(3000),
  HOST: z.string().default('0.0.0.0'),
  NETFLOW_PORT: port(2055),
  SFLOW_PORT: port(6343),
  INBOUND_SMTP_PORT: port(2525),
  UDP_RECEIVE_BUFFER: z.coerce.number().int().min(65536).default(33554432),
  /** Records the queue between flow receiving and the detection thread holds; beyond it batches are shed (counted). */
  DETECTION_QUEUE_RECORDS: z.coerce.number().int().min(16384).max(67108864).default(1048576),
  /**
   * How often detection moves its clock to the wall clock, closing quiet VMs' windows and ending
   * incidents that stopped. A replay of old flows (tests, backfills) that must see only event time
   * sets it longer than the replay takes.
   */
  DETECTION_TICK: duration('5s'),
  /**
   * Detection threads per process, each keeping the VMs whose slot % n is its index. One is right
   * for two cores (the receiving thread needs the other); more pay off only with spare cores.
   */
  DETECTION_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  // Flow bus (libs/flowbus; see its README): how attributed flows reach detection.
  /** `memory`: detection in the process that receives the flows (one machine); `nats`: over NATS JetStream to `detector` processes. */
  FLOW_BUS: z.enum(['memory', 'nats']).default('memory'),
  /** NATS server(s) of the bus, comma-separated (FLOW_BUS=nats). */
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** Partitions of the flow stream (a VM's flows all go to partition fnv1a32(vmId) mod this); fixed for a stream's life. */
  FLOW_PARTITIONS: z.coerce.number().int().min(1).max(4096).default(64),
  /** Detector processes (DETECTOR_COUNT) and this one's index: it owns the partitions p with p mod count = index. */
  DETECTOR_INDEX: z.coerce.number().int().min(0).max(4095).default(0),
  DETECTOR_COUNT: z.coerce.number().int().min(1).max(4096).default(1),
  /** Bytes the flow stream may hold; beyond it the oldest messages go (its age limit follows the longest detection window). */
  FLOW_BUS_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_048_576)
    .default(4 * 1024 ** 3),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/safeguards'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  MIGRATIONS_RUN: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  /** Key prefix of the BullMQ queues, so several Safeguards installations can share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}-]{1,64}$/, 'must be 1-64 letters, digits, ":", "_", "-", "{" or "}"')
    .default('sg'),
  // Scaling out (issue 15): Redis Cluster for BullMQ and pub/sub; UDP ports shared by collectors.
  /**
   * Redis Cluster seed nodes, `host:port,host:port` (unset: the one Redis of REDIS_URL, whose user,
   * password and TLS then apply to the cluster's nodes). Queue prefixes get a hash tag per queue.
   */
  REDIS_CLUSTER: redisNodes,
  /** Bind the UDP listeners with SO_REUSEPORT, so several collectors on one host share NETFLOW_PORT/SFLOW_PORT (Node >= 22.12). */
  UDP_REUSE_PORT: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  SMTP_URL: url(['smtp:', 'smtps:']).default('smtp://127.0.0.1:1025'),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  DEPLOYMENT_CONTROL_URL: url(['http:', 'https:']).optional(),
  DEPLOYMENT_CONTROL_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CASE_DEADLINE_DEFAULT: duration('24h'),
  RECHECK_WINDOW: duration('10m'),
  /** How long the worker waits for detection's live answer to a re-check before it falls back on the recorded evidence. */
  RECHECK_TIMEOUT: duration('5s'),
  /** Base of every link put into mail (the customer page of a case, the console page of a database alert). */
  PUBLIC_URL: url(['http:', 'https:']).default('http://localhost:3000'),
  MAIL_FROM: z.string().default('safeguards@localhost'),
  MAIL_REPLY_DOMAIN: z.string().default('localhost'),
  THREAT_LISTS: threatLists,
  CLOUD_PREFIXES: cidrList,
  INVENTORY_REFRESH: duration('5m'),
  // Cases and escalation (libs/cases, libs/escalation, libs/deployment-control; see their READMEs).
  /** Deadline of source cases for floods, amplification and any critical source case: they hurt others now. */
  CASE_DEADLINE_FLOOD: duration('4h'),
  /** How many extensions one case may be granted, and how much time they may add in total. */
  CASE_EXTENSION_MAX_COUNT: z.coerce.number().int().min(0).max(20).default(2),
  CASE_EXTENSION_MAX_TOTAL: duration('72h'),
  /** A case's first extension asked for by e-mail is granted at once when it asks for no more than this. */
  CASE_EXTENSION_AUTO_GRANT: duration('48h'),
  /** Reminders before a deadline: shares of the time given (`50%`) or durations before it (`1h`); `none`. */
  CASE_REMINDERS: z
    .string()
    .default('50%,1h')
    .refine(
      (v) =>
        v.trim() === 'none' ||
        v.split(',').every((p) => /^\s*(([1-9]\d?(\.\d+)?%)|(\d+(\.\d+)?\s*(ms|s|m|h|d)?))\s*$/.test(p)),
      {
        message:
          'expected shares of the time given (50%) or durations before the deadline (1h), comma-separated, or none',
      },
    ),
  /** A case closed as mitigated or true positive is reopened by a finding within this time; later, a new case opens. */
  CASE_REOPEN_WINDOW: duration('24h'),
  /** A reopened case whose deadline has passed gets now + this, halved at each further reopen (0s: escalate at once). */
  CASE_REOPEN_GRACE: duration('0s', true),
  /** How long a false-positive verdict keeps the same rule's findings on that VM from opening a case. */
  CASE_FALSE_POSITIVE_MEMORY: duration('7d'),
  /** How often the reconciler re-enqueues from PostgreSQL what is due (deadlines, reminders, control-plane calls). */
  ESCALATION_RECONCILE_INTERVAL: duration('1m'),
  /** Time-out of one call to the control plane; a time-out is retried like a 5xx. */
  DEPLOYMENT_CONTROL_TIMEOUT: duration('10s'),
  /** How long the job of a worker that died stays locked before another worker takes it over (control-plane calls). */
  JOB_LOCK_DURATION: duration('30s'),
  // Mail (libs/mail; see its README).
  /** Largest inbound message the SMTP receiver takes; a bigger one is refused with 552. */
  MAIL_MAX_INBOUND_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  /** How often queued or stuck outbound mail (and replies not yet handed to cases) is picked up again from PostgreSQL. */
  MAIL_RECONCILE_INTERVAL: duration('1m'),
  /** Optional mailbox polled for replies, e.g. imaps://user:pass@imap.example.com/INBOX (unset: no polling). */
  IMAP_URL: url(['imap:', 'imaps:']).optional(),
  IMAP_POLL_INTERVAL: duration('1m'),
  // dbwatch log ingestion (libs/dbwatch/src/ingest).
  /** Logs the collector follows: `serverId=path` pairs (a log file, or a directory of log files), comma-separated. */
  DBWATCH_FOLLOW: dbwatchFollow,
  /** How often each followed log is checked for new lines and rotation. */
  DBWATCH_FOLLOW_POLL: duration('1s'),
  // Database threat protection, analysis half (libs/dbwatch/src/analysis; see its README).
  /** Baselines of a server's logins look this far back (event time); login events are kept as long. */
  DBWATCH_BASELINE_WINDOW: duration('60d'),
  /** No anomaly alert (new principal, location, network, ...) before a server's baseline spans this long. */
  DBWATCH_LEARNING_PERIOD: duration('7d'),
  /** At most one alert e-mail per server and alert type in this period; later alerts fold into the next one. */
  DBWATCH_ALERT_THROTTLE: duration('1h'),
  /** Repeats of an alert (same server, type and source) within this period fold into the open alert. */
  DBWATCH_ALERT_DEDUPE: duration('24h'),
  /** Optional file of named networks, `cidr,country,asn,provider,region,label` a line; wins over the shipped data. */
  DBWATCH_NETWORKS: z.string().optional(),
  /** Optional file of the operator's own data-centre prefixes, `cidr,region` a line. */
  CLOUD_REGIONS: z.string().optional(),
  // Console and customer page (libs/console; see its README).
  /** How long a console sign-in lasts. */
  CONSOLE_SESSION_TTL: duration('12h'),
  /** Key of the customer page links in mail (HMAC-SHA256); unset: derived from ADMIN_TOKEN (set it when several processes serve the console without one). */
  CUSTOMER_LINK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How long a customer page link stays valid. */
  CUSTOMER_LINK_TTL: duration('14d'),
  /** Console sign-in through an OpenID Connect provider (issuer URL; unset: API tokens only). */
  OIDC_ISSUER: url(['http:', 'https:']).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The ID token claim holding the user's groups, and the groups that make an admin or a responder. */
  OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
  OIDC_ADMIN_GROUP: z.string().min(1).default('safeguards-admins'),
  OIDC_RESPONDER_GROUP: z.string().min(1).default('safeguards-responders'),
});

export type AppConfig = z.output<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
  }
}

/** Validates an environment (process.env by default); throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings mean "unset", as in most .env files.
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') cleaned[key] = v;
  }
  const r = envSchema.safeParse(cleaned);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => ({ variable: String(i.path[0]), message: i.message })));
  }
  const cfg = r.data;
  if (cfg.NODE_ENV === 'production' && !cfg.ADMIN_TOKEN) {
    throw new ConfigError([{ variable: 'ADMIN_TOKEN', message: 'is required when NODE_ENV=production' }]);
  }
  if (cfg.OIDC_ISSUER && (!cfg.OIDC_CLIENT_ID || !cfg.OIDC_CLIENT_SECRET)) {
    throw new ConfigError([
      {
        variable: cfg.OIDC_CLIENT_ID ? 'OIDC_CLIENT_SECRET' : 'OIDC_CLIENT_ID',
        message: 'is required when OIDC_ISSUER is set',
      },
    ]);
  }
  if (cfg.DETECTOR_INDEX >= cfg.DETECTOR_COUNT) {
    throw new ConfigError([{ variable: 'DETECTOR_INDEX', message: 'must be less than DETECTOR_COUNT' }]);
  }
  if (cfg.ROLES.includes('detector') && cfg.FLOW_BUS !== 'nats') {
    throw new ConfigError([{ variable: 'FLOW_BUS', message: 'must be nats when ROLES includes detector' }]);
  }
  if (cfg.DEPLOYMENT_CONTROL_URL && !cfg.DEPLOYMENT_CONTROL_SECRET) {
    throw new ConfigError([
      { variable: 'DEPLOYMENT_CONTROL_SECRET', message: 'is required when DEPLOYMENT_CONTROL_URL is set' },
    ]);
  }
  return cfg;
}
