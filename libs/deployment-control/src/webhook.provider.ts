import type {
  DeploymentControlProvider,
  DeploymentControlRequest,
  DeploymentControlResult,
} from './deployment-control.provider';
import { signBody } from './signature';

/** How much of an answer body is kept for the record (responders see it on a failure). */
const KEEP_BODY = 2000;

/**
 * The control plane's webhook (ARCHITECTURE.md, "Deployment control"): POST the stored body to
 * DEPLOYMENT_CONTROL_URL with its Idempotency-Key and HMAC signature. Redirects are not followed:
 * re-posting a shutdown to wherever a 3xx points is not something to do silently.
 * 408 and 429 are retried with the 5xx answers (the control plane asks us to come back later);
 * every other 4xx is permanent.
 */
export class WebhookProvider implements DeploymentControlProvider {
  readonly name = 'webhook';

  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs: number,
  ) {}

  async send(req: DeploymentControlRequest): Promise<DeploymentControlResult> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'idempotency-key': req.idempotencyKey,
          'x-safeguards-signature': signBody(req.body, this.secret),
          'user-agent': 'safeguards-deployment-control/1',
        },
        body: req.body,
      });
    } catch (err) {
      const e = err as Error;
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return {
        outcome: 'retry',
        status: null,
        error: timedOut
          ? `no answer within ${this.timeoutMs} ms`
          : `${cause?.code ?? e.name}: ${cause?.message ?? e.message}`,
      };
    }
    const text = await res.text().then(
      (t) => t.slice(0, KEEP_BODY),
      () => '',
    );
    if (res.status >= 200 && res.status < 300) return { outcome: 'done', status: res.status, response: text };
    const error = `control plane answered ${res.status}${text ? `: ${text}` : ''}`;
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      return { outcome: 'retry', status: res.status, error };
    }
    return { outcome: 'rejected', status: res.status, error };
  }
}
