import { z } from 'zod';
import { parseCidr, type Cidr } from '../ip';
import { parseDuration } from './duration';

/**
 * Every environment variable Safeguards reads, validated once at start into typed config.
 * A bad value stops start-up with the variable named (see loadConfig). Defaults follow the
 * contracts in ARCHITECTURE.md; .env.example and the README's table list the same variables.
 */
const duration = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null || ms <= 0) {
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

const threatLists = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const out: { category: string; path: string }[] = [];
    for (const part of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const eq = part.indexOf('=');
      const category = part.slice(0, eq).trim();
      const path = part.slice(eq + 1).trim();
      if (eq <= 0 || !/^[a-z0-9_-]+$/i.test(category) || !path) {
        ctx.addIssue({ code: 'custom', message: `expected category=path pairs, got "${part}"` });
        return z.NEVER;
      }
      out.push({ category: category.toLowerCase(), path });
    }
    return out;
  });

const roles = z
  .string()
  .default('api,collector,worker')
  .transform((v, ctx) => {
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = list.filter((r) => !['api', 'collector', 'worker'].includes(r));
    if (bad.length || !list.length) {
      ctx.addIssue({ code: 'custom', message: `roles are api, collector, worker; got "${v}"` });
      return z.NEVER;
    }
    return list as Role[];
  });

export type Role = 'api' | 'collector' | 'worker';

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
   * Detection threads per process, each keeping the VMs whose slot % n is its index. One is right
   * for two cores (the receiving thread needs the other); more pay off only with spare cores.
   */
  DETECTION_THREADS: z.coerce.number().int().min(1).max(64).default(1),
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
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1-64 letters, digits, ":", "_" or "-"')
    .default('sg'),
  SMTP_URL: url(['smtp:', 'smtps:']).default('smtp://127.0.0.1:1025'),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  DEPLOYMENT_CONTROL_URL: url(['http:', 'https:']).optional(),
  DEPLOYMENT_CONTROL_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CASE_DEADLINE_DEFAULT: duration('24h'),
  RECHECK_WINDOW: duration('10m'),
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
  if (cfg.DEPLOYMENT_CONTROL_URL && !cfg.DEPLOYMENT_CONTROL_SECRET) {
    throw new ConfigError([
      { variable: 'DEPLOYMENT_CONTROL_SECRET', message: 'is required when DEPLOYMENT_CONTROL_URL is set' },
    ]);
  }
  return cfg;
}
