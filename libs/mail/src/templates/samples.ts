import type { CaseSummary, EvidenceView, RecommendationView } from './case-mail-view';
import type { MailContext } from './mail-context';
import type { MailModel, MailTemplateName } from './mail-templates';

/**
 * A realistic model for every template: for `npm run mail:preview`, for the rendering tests, and
 * as the example of what the cases module hands over. Fixed times, so the output is stable.
 */
const sourceCase: CaseSummary = {
  number: 1234,
  kind: 'port-scan',
  role: 'source',
  direction: 'outbound',
  severity: 'high',
  vm: { id: 'vm-7f3c2a', name: 'web-frontend-01' },
  deployment: { id: 'dep-41b9', name: 'shop-production' },
  subscription: { id: 'sub-0c5e8d', name: 'Contoso Retail' },
  firstSeen: '2026-06-01T09:12:44Z',
  lastSeen: '2026-06-01T10:47:03Z',
};

const targetCase: CaseSummary = {
  ...sourceCase,
  number: 1235,
  kind: 'brute-force',
  role: 'target',
  direction: 'inbound',
  severity: 'medium',
  vm: { id: 'vm-19ad04', name: 'jump-host' },
  deployment: { id: 'dep-77e0', name: 'ops-tools' },
};

const sourceEvidence: EvidenceView = {
  counts: { flows: 184_233, packets: 368_911, bytes: 22_134_660, distinctPeers: 4_096, distinctPorts: 1_021 },
  topPeers: [
    { ip: '203.0.113.17', flows: 1_022, packets: 2_044, bytes: 122_640 },
    { ip: '198.51.100.200', flows: 1_018, packets: 2_036, bytes: 122_160 },
    { ip: '192.0.2.45', flows: 1_009, packets: 2_018, bytes: 121_080 },
    { ip: '2001:db8:4a::12', flows: 998, packets: 1_996, bytes: 119_760 },
    { ip: '203.0.113.90', flows: 961, packets: 1_922, bytes: 115_320 },
  ],
  ports: [22, 23, 80, 443, 445, 3389, 8080],
  rules: [
    {
      name: 'outbound-port-scan',
      threshold: 500,
      observed: 4_096,
      window: '60s',
      description: 'distinct destination hosts contacted on few ports without an answer',
    },
  ],
};

const targetEvidence: EvidenceView = {
  counts: { flows: 12_480, packets: 98_112, bytes: 8_422_016, distinctPeers: 312, distinctPorts: 1 },
  topPeers: [
    { ip: '45.95.147.3', flows: 2_201, packets: 17_608, bytes: 1_487_000 },
    { ip: '185.220.101.9', flows: 1_877, packets: 15_016, bytes: 1_268_000 },
    { ip: '103.145.13.77', flows: 1_203, packets: 9_624, bytes: 812_000 },
  ],
  ports: [22],
  rules: [
    {
      name: 'inbound-ssh-brute-force',
      threshold: 100,
      observed: 2_201,
      window: '5m',
      description: 'short SSH connections from one host, typical of password guessing',
    },
  ],
};

const sourceRecommendations: RecommendationView = {
  summary: 'Your VM scans other hosts for open services, which usually means it was compromised.',
  likelyCauses: [
    'a weak or leaked password on SSH or RDP',
    'an unpatched web application',
    'a malicious container image',
  ],
  steps: [
    {
      title: 'Isolate the VM',
      detail: 'Restrict its outbound traffic with a network security rule so the scan stops while you investigate.',
    },
    {
      title: 'Build a new VM',
      detail: 'From a clean, current image; move the workload and data across, then delete the old VM.',
    },
    { title: 'Close what was open', detail: 'Only expose the ports you need, and use keys instead of passwords.' },
  ],
};

const targetRecommendations: RecommendationView = {
  summary: 'Someone is guessing passwords on the SSH service of your VM.',
  likelyCauses: ['SSH open to the whole internet'],
  steps: [
    {
      title: 'Restrict SSH',
      detail: 'Allow port 22 only from the addresses you administer from, or use a bastion host.',
    },
    { title: 'Use keys', detail: 'Disable password logins (PasswordAuthentication no) and use SSH keys.' },
  ],
};

export const SAMPLE_MAIL_CONTEXT: MailContext = {
  tag: '[SG-1234]',
  replyAddress: 'case+k7q2m4x9d3f6h8j2l5n7p9r3t5@safeguards.example',
  from: 'safeguards@safeguards.example',
  caseUrl: 'https://safeguards.example/c/3f0c8a52-5b1e-4d5e-9d7a-0123456789ab.1800000000.sample-signature',
};

export const SAMPLES: { [T in MailTemplateName]: MailModel<T> } = {
  'red-source': {
    case: sourceCase,
    evidence: sourceEvidence,
    recommendations: sourceRecommendations,
    deadlineAt: '2026-06-02T10:47:00Z',
  },
  'red-target': { case: targetCase, evidence: targetEvidence, recommendations: targetRecommendations },
  reminder: { case: sourceCase, deadlineAt: '2026-06-02T10:47:00Z', timeLeftMs: 12 * 3600_000 },
  'final-warning': { case: sourceCase, deadlineAt: '2026-06-02T10:47:00Z', timeLeftMs: 3600_000 },
  shutdown: {
    case: sourceCase,
    shutDownAt: '2026-06-02T10:52:13Z',
    reason: 'the port scan went on after the deadline and we had no answer',
  },
  restarted: { case: sourceCase, restartedAt: '2026-06-03T08:00:00Z' },
  'case-closed': {
    case: sourceCase,
    outcome: 'mitigated',
    closedAt: '2026-06-01T15:30:00Z',
    note: null,
  },
  'extension-received': {
    case: sourceCase,
    requestedUntil: '2026-06-04T10:47:00Z',
    deadlineAt: '2026-06-02T10:47:00Z',
  },
  'extension-granted': {
    case: sourceCase,
    previousDeadlineAt: '2026-06-02T10:47:00Z',
    deadlineAt: '2026-06-04T10:47:00Z',
    note: 'Please isolate the VM in the meantime.',
  },
  'extension-denied': {
    case: sourceCase,
    deadlineAt: '2026-06-02T10:47:00Z',
    reason: 'the scan is still growing and harms others now; please isolate the VM today.',
  },
  'exception-received': {
    case: sourceCase,
    description:
      'web-frontend-01 runs our authorised external vulnerability scanner.\nIt scans our own 512 addresses on ports 1-1024 every night between 01:00 and 03:00 UTC.',
    deadlineAt: '2026-06-02T10:47:00Z',
  },
  'exception-approved': {
    case: sourceCase,
    description: 'Nightly scan of the customer’s own address ranges, ports 1-1024, 01:00-03:00 UTC.',
    expiresAt: '2026-12-31T23:59:59Z',
    note: null,
  },
  'exception-rejected': {
    case: sourceCase,
    reason: 'the addresses scanned are not yours, and scanning third parties is not allowed.',
    deadlineAt: '2026-06-02T10:47:00Z',
  },
  'traffic-resumed': { case: sourceCase, deadlineAt: '2026-06-02T10:47:00Z', deadlineKept: true, reopenCount: 1 },
};

/** The mail context of a sample: its own case tag. */
export function sampleContext(model: { case: CaseSummary }): MailContext {
  return { ...SAMPLE_MAIL_CONTEXT, tag: `[SG-${model.case.number}]` };
}
