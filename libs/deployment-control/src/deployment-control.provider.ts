export type DeploymentActionKind = 'shutdown' | 'restart';

/** One call to the control plane, exactly as stored in deployment_actions before the first attempt. */
export interface DeploymentControlRequest {
  action: DeploymentActionKind;
  /** Stable across retries of the same request: the control plane performs a key once. */
  idempotencyKey: string;
  /** The exact JSON body; retries send the same bytes, so the signature is the same too. */
  body: string;
}

/**
 * What the control plane answered:
 * - done: 2xx, the action is performed;
 * - retry: 5xx, 408/429, a time-out or a network error — try again later (BullMQ backoff);
 * - rejected: any other answer (4xx, 3xx) — it will not work by retrying; a responder must look.
 */
export type DeploymentControlResult =
  | { outcome: 'done'; status: number; response: string }
  | { outcome: 'retry'; status: number | null; error: string }
  | { outcome: 'rejected'; status: number; error: string };

/** The port through which cases shut deployments down and restart them. */
export interface DeploymentControlProvider {
  /** Recorded on each action, so the timeline says whether anything really happened ("dry-run"). */
  readonly name: string;
  send(request: DeploymentControlRequest): Promise<DeploymentControlResult>;
}

export const DEPLOYMENT_CONTROL_PROVIDER = Symbol('DEPLOYMENT_CONTROL_PROVIDER');
