import type { FindingDocument } from './finding-document';

/**
 * Every queue, job name and payload in one place, so `enqueue({queue, name, data})` is checked at
 * compile time. Queue names are a wire contract (ARCHITECTURE.md): never rename them casually.
 * Payloads carry ids, not whole rows: PostgreSQL is the source of truth and Redis may lose jobs.
 */
export const QueueName = {
  FINDINGS: 'findings',
  MAIL: 'mail',
  ESCALATION: 'escalation',
  DEPLOYMENT_CONTROL: 'deployment-control',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** A finding as detection publishes it; the cases module merges updates by finding.id. */
export interface FindingJob {
  finding: FindingDocument;
}

export interface JobCatalogue {
  findings: {
    'finding.upsert': FindingJob;
  };
  mail: {
    'mail.send': { outboxId: string };
  };
  escalation: {
    /** A case's deadline is due; `round` is bumped when escalation may act again on the same deadline. */
    'escalation.deadline': { caseId: string; deadlineAt: string; round: number };
    /** A reminder (or the final warning) is due. */
    'escalation.reminder': { caseId: string; remindAt: string };
    /** Re-check the traffic now (the owner reported a fix); never shuts down by itself. */
    'escalation.recheck': { caseId: string; reason: string };
  };
  'deployment-control': {
    /** Deliver the stored request `actionId` (deployment_actions: key, body) to the control plane. */
    'deployment.shutdown': { caseId: string; actionId: string };
    'deployment.restart': { caseId: string; actionId: string };
  };
}

export type JobName<Q extends QueueName> = keyof JobCatalogue[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q>> = JobCatalogue[Q][N];

export interface JobRequest<Q extends QueueName, N extends JobName<Q>> {
  queue: Q;
  name: N;
  data: JobData<Q, N>;
  /** Deterministic id for work that must happen once, e.g. `shutdown:${caseId}`. */
  jobId?: string;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
}
