import { Injectable } from '@nestjs/common';
import type { CaseNotice, CaseNotifier } from '@sg/cases';
import { InventoryQueryService } from '@sg/inventory';
import { OutboxService, type CaseSummary, type MailModel, type MailTemplateName } from '@sg/mail';

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * The case module's CaseNotifier, by e-mail: each case event becomes the matching template,
 * addressed to the subscription's contacts and threaded with the case's earlier mail. The names
 * of the VM, deployment and subscription come from the inventory (InventoryQueryService) because
 * the notice carries only ids. A notice with nobody to write to is accepted and dropped: the case
 * timeline still has it.
 */
@Injectable()
export class MailCaseNotifier implements CaseNotifier {
  constructor(
    private readonly outbox: OutboxService,
    private readonly inventory: InventoryQueryService,
  ) {}

  async notify(notice: CaseNotice): Promise<void> {
    const c = notice.case;
    const owner = await this.inventory.owner(c);
    if (!owner.contacts.length) return;
    const summary: CaseSummary = {
      number: c.number,
      kind: c.kind,
      role: c.role,
      direction: c.direction,
      severity: c.severity,
      vm: { id: c.vmId, name: owner.vmName },
      deployment: { id: c.deploymentId, name: owner.deploymentName },
      subscription: { id: c.subscriptionId, name: owner.subscriptionName },
      firstSeen: c.evidence.firstSeen,
      lastSeen: c.evidence.lastSeen,
    };
    const mail = this.compose(notice, summary);
    if (!mail) return;
    await this.outbox.enqueue({
      caseId: c.id,
      caseNumber: c.number,
      template: mail.template,
      model: mail.model as never,
      to: owner.contacts,
    });
  }

  private compose(
    n: CaseNotice,
    summary: CaseSummary,
  ): { template: MailTemplateName; model: MailModel<MailTemplateName> } | null {
    const c = n.case;
    const d = n.details;
    const deadline = c.deadlineAt;
    const base = { case: summary };
    const evidence = {
      counts: c.evidence.counts,
      topPeers: c.evidence.topPeers,
      ports: c.evidence.ports,
      rules: c.evidence.rules,
    };
    const recommendations = {
      summary: c.recommendations.summary,
      likelyCauses: c.recommendations.likelyCauses,
      steps: c.recommendations.steps,
    };
    const timeLeftMs = deadline ? Math.max(0, Date.parse(deadline) - Date.parse(n.at)) : 0;
    switch (n.event) {
      case 'case-opened':
      case 'case-reopened':
        return c.role === 'source' && deadline
          ? { template: 'red-source', model: { ...base, evidence, recommendations, deadlineAt: deadline } }
          : { template: 'red-target', model: { ...base, evidence, recommendations } };
      case 'traffic-resumed':
        return {
          template: 'traffic-resumed',
          model: {
            ...base,
            deadlineAt: deadline,
            deadlineKept: d.deadlineKept !== false,
            reopenCount: typeof d.reopenCount === 'number' ? d.reopenCount : 1,
          },
        };
      case 'reminder':
      case 'final-warning':
        return deadline ? { template: n.event, model: { ...base, deadlineAt: deadline, timeLeftMs } } : null;
      case 'shutdown':
        return {
          template: 'shutdown',
          model: { ...base, shutDownAt: n.at, reason: str(d.reason) ?? 'the traffic went on after the deadline' },
        };
      case 'restarted':
        return { template: 'restarted', model: { ...base, restartedAt: n.at } };
      case 'mitigated':
      case 'closed':
        return {
          template: 'case-closed',
          model: {
            ...base,
            outcome: n.event === 'mitigated' ? 'mitigated' : 'closed',
            closedAt: n.at,
            note: str(d.note),
          },
        };
      case 'extension-received':
        return deadline
          ? {
              template: 'extension-received',
              model: { ...base, requestedUntil: str(d.requestedUntil), deadlineAt: deadline },
            }
          : null;
      case 'extension-granted':
        return deadline
          ? {
              template: 'extension-granted',
              model: {
                ...base,
                previousDeadlineAt: str(d.previousDeadlineAt) ?? deadline,
                deadlineAt: deadline,
                note: str(d.note),
              },
            }
          : null;
      case 'extension-denied':
        return deadline
          ? {
              template: 'extension-denied',
              model: { ...base, deadlineAt: deadline, reason: str(d.reason) ?? 'not granted' },
            }
          : null;
      case 'exception-received':
        return {
          template: 'exception-received',
          model: { ...base, description: str(d.description) ?? '', deadlineAt: deadline },
        };
      case 'exception-approved':
        return {
          template: 'exception-approved',
          model: { ...base, description: str(d.description) ?? '', expiresAt: str(d.expiresAt), note: str(d.note) },
        };
      case 'exception-rejected':
        return {
          template: 'exception-rejected',
          model: { ...base, reason: str(d.reason) ?? 'not approved', deadlineAt: deadline },
        };
      default:
        return null;
    }
  }
}
