import { Logger } from '@nestjs/common';
import type {
  DeploymentControlProvider,
  DeploymentControlRequest,
  DeploymentControlResult,
} from './deployment-control.provider';

/**
 * Used when DEPLOYMENT_CONTROL_URL is unset: records the request (deployment_actions, the case's
 * timeline, a log line) and performs nothing. Its name, "dry-run", is on every action it handled,
 * so nobody mistakes it for a real shutdown.
 */
export class DryRunProvider implements DeploymentControlProvider {
  readonly name = 'dry-run';
  private readonly logger = new Logger('DeploymentControl');

  async send(req: DeploymentControlRequest): Promise<DeploymentControlResult> {
    this.logger.warn(
      { action: req.action, idempotencyKey: req.idempotencyKey, body: req.body },
      'dry run: DEPLOYMENT_CONTROL_URL is not set, nothing was sent to the control plane',
    );
    return { outcome: 'done', status: 0, response: 'dry run: nothing was sent' };
  }
}
