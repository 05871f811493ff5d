import { z } from 'zod';
import { findingDocumentSchema } from './finding-document';

/**
 * Every queue, job name and payload in one place: one zod schema per (queue, job name). Producers
 * are checked against it at compile time (`QueueService.enqueue`/`enqueueBulk`), processors at run
 * time (`parseJob`). Queue names are a wire contract (ARCHITECTURE.md): never rename them casually.
 * Payloads carry ids, not whole rows: PostgreSQL is the source of truth and Redis may lose jobs.
 */
export const QueueName = {
  FINDINGS: 'findings',
  MAIL: 'mail',
  ESCALATION: 'escalation',
  DEPLOYMENT_CONTROL: 'deployment-control',
  DBWATCH: 'dbwatch',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

const iso = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with a time zone' });
const caseId = z.uuid('must be a case id (UUID)');
/** Deliver the stored request `actionId` (deployment_actions: key, body) to the control plane. */
const deploymentAction = z.object({ caseId, actionId: z.uuid('must be a deployment action id (UUID)') });

export const JOB_CATALOGUE = {
  findings: {
    /** A finding as detection publishes it; the cases module merges updates by finding.id. */
    'finding.upsert': z.object({ finding: findingDocumentSchema }),
  },
  mail: {
    /** Send the stored outbox row. */
    'mail.send': z.object({ outboxId: z.uuid('must be an outbox id (UUID)') }),
  },
  escalation: {
    /** A case's deadline is due; `round` is bumped when escalation may act again on the same deadline. */
    'escalation.deadline': z.object({ caseId, deadlineAt: iso, round: z.number().int().min(0) }),
    /** A reminder (or the final warning) is due. */
    'escalation.reminder': z.object({ caseId, remindAt: iso }),
    /** Re-check the traffic now (the owner reported a fix); never shuts down by itself. */
    'escalation.recheck': z.object({ caseId, reason: z.string() }),
  },
  'deployment-control': {
    'deployment.shutdown': deploymentAction,
    'deployment.restart': deploymentAction,
  },
  dbwatch: {
    /** Mail the unmailed open alerts of one server and type (at most once per DBWATCH_ALERT_THROTTLE). */
    'dbwatch.alert-mail': z.object({
      serverId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be a database server id'),
      alertType: z.string().min(1).max(64),
    }),
  },
} as const satisfies { readonly [Q in QueueName]: Readonly<Record<string, z.ZodType>> };

export type JobCatalogue = typeof JOB_CATALOGUE;
export type JobName<Q extends QueueName> = keyof JobCatalogue[Q] & string;
type JobSchema<Q extends QueueName, N extends JobName<Q>> = JobCatalogue[Q][N] & z.ZodType;

/**
 * What a producer hands over: the schema's input without the index signatures of its loose
 * objects, so a producer's own interfaces (detection's Finding, FlowRecord) fit while every field
 * the schema names is still checked.
 */
export type JobData<Q extends QueueName, N extends JobName<Q>> = Declared<z.input<JobSchema<Q, N>>>;
/** What a processor gets from parseJob. */
export type JobPayload<Q extends QueueName, N extends JobName<Q>> = z.output<JobSchema<Q, N>>;

type Declared<T> = T extends readonly (infer E)[]
  ? Declared<E>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Declared<T[K]> }
    : T;

export interface JobRequest<Q extends QueueName, N extends JobName<Q>> {
  queue: Q;
  name: N;
  data: JobData<Q, N>;
  /** Deterministic id for work that must happen once, e.g. `shutdown:${caseId}`. */
  jobId?: string;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
}

/** Any job of the catalogue (a union discriminated by queue and name), e.g. for enqueueBulk. */
export type AnyJobRequest = { [Q in QueueName]: { [N in JobName<Q>]: JobRequest<Q, N> }[JobName<Q>] }[QueueName];

/** A job of queue Q as a processor sees it after parseJob: switch on `name` to narrow `data`. */
export type ParsedJob<Q extends QueueName> = { [N in JobName<Q>]: { name: N; data: JobPayload<Q, N> } }[JobName<Q>];
