import { classifyReplyIntent, type ReplyIntentKind } from './reply-intent.classifier';
import { extractReplyText } from './reply-text';

// Replies are read as they arrive: stripped first, then classified, relative to their Date
// (Wednesday 3 June 2026, 10:00 UTC).
const AT = new Date('2026-06-03T10:00:00Z');
const H = 3_600_000;
const classify = (raw: string) => classifyReplyIntent(extractReplyText(raw).text, AT);
const GMAIL_QUOTE =
  '\n\nOn Tue, Jun 2, 2026 at 10:47 AM Safeguards <safeguards@example.com> wrote:\n> Please stop this activity by Tue 2 Jun 2026.\n> "Please give us 48 more hours" or "this traffic is expected" or "Fixed: we rebuilt the VM"\n';

interface Example {
  reply: string;
  kind: ReplyIntentKind;
  ms?: number | null;
  until?: string;
}

const EXAMPLES: Example[] = [
  // extension
  { reply: 'Please give us 48 more hours.', kind: 'extension', ms: 48 * H },
  {
    reply: `Hi,\n\nwe need 2 days to migrate the workload to a new VM.\n\nThanks,\nAnna${GMAIL_QUOTE}`,
    kind: 'extension',
    ms: 48 * H,
  },
  {
    reply: 'Could we get one more week? The deployment is in production and cannot go down.',
    kind: 'extension',
    ms: 7 * 24 * H,
  },
  {
    reply: 'We are rebuilding the machine, please give us until Friday.',
    kind: 'extension',
    until: '2026-06-05T23:59:59.000Z',
  },
  {
    reply: 'We cannot fix it in time, the only engineer who knows this system is on holiday.',
    kind: 'extension',
    ms: null,
  },
  {
    reply: "Please don't shut down the deployment, we need till 2026-12-01 to replace it.",
    kind: 'extension',
    until: '2026-12-01T23:59:59.000Z',
  },
  {
    reply: "We'll have it fixed by tomorrow evening.\n\nSent from my iPhone",
    kind: 'extension',
    until: '2026-06-04T18:00:00.000Z',
  },
  { reply: 'This is not normal, we are investigating. Please give us 48 hours.', kind: 'extension', ms: 48 * H },
  {
    reply: 'We have not fixed it yet, we need until the end of the week.',
    kind: 'extension',
    until: '2026-06-05T23:59:59.000Z',
  },
  { reply: 'can we have 1.5 days more?', kind: 'extension', ms: 36 * H },
  {
    reply: 'Our change window is on Sunday. Can you postpone the shutdown until Monday morning?',
    kind: 'extension',
    until: '2026-06-08T09:00:00.000Z',
  },
  { reply: 'We need an extension, the VM hosts our payment service.', kind: 'extension', ms: null },
  // exception
  {
    reply: `Hello,\n\nThis traffic is expected: the VM is our vulnerability scanner and scans our own ranges every night.\n\nBest regards,\nJohn Smith\nSecurity, Contoso${GMAIL_QUOTE}`,
    kind: 'exception',
  },
  {
    reply: 'This is a false positive. The VM is a public NTP server and answers thousands of clients per minute.',
    kind: 'exception',
  },
  {
    reply: 'We run an authorised penetration test against our own network until Friday; please add an exception.',
    kind: 'exception',
  },
  {
    reply:
      'Hello, we need an exception: the VM is a load-test runner that sends 10k requests per second to our own API between 01:00 and 02:00 UTC.',
    kind: 'exception',
  },
  {
    reply: "This is not an attack, it's our monitoring system checking our own hosts every minute.",
    kind: 'exception',
  },
  {
    reply:
      'The connections are legitimate: web-1 is a mail relay for our 40 shops and sends their order confirmations.',
    kind: 'exception',
  },
  // fixed
  { reply: 'Fixed.', kind: 'fixed' },
  { reply: 'Fixed: we rebuilt the VM from a clean image and closed port 23.\n\n-- \nOps team', kind: 'fixed' },
  { reply: 'We removed the malware and changed all passwords.', kind: 'fixed' },
  { reply: 'Patched the server and blocked the port.', kind: 'fixed' },
  { reply: 'The scan is not legitimate, someone broke in. We took the VM offline.', kind: 'fixed' },
  { reply: 'No extension needed, we fixed it.', kind: 'fixed' },
  { reply: 'We killed the miner process and disabled the cron job it came from.', kind: 'fixed' },
  // other: questions, promises, anything else
  { reply: 'We will patch the server tomorrow.', kind: 'other' },
  { reply: "Is it fixed now? We don't see any unusual traffic.", kind: 'other' },
  { reply: 'We are working on fixing it.', kind: 'other' },
  { reply: 'Thanks, what does this mean? Who are you?', kind: 'other' },
  { reply: `Which VM do you mean? We have three with that name.${GMAIL_QUOTE}`, kind: 'other' },
];

describe('reply intent', () => {
  it.each(EXAMPLES.map((e) => [e.reply.split('\n')[0].slice(0, 70), e] as const))('%s', (_title, e) => {
    const r = classify(e.reply);
    expect(r.kind).toBe(e.kind);
    if (e.kind === 'other') {
      expect(r.confidence).toBe(0);
      return;
    }
    expect(r.confidence).toBeGreaterThan(0.3);
    expect(r.matched.length).toBeGreaterThan(0);
    if (e.kind === 'extension') {
      if (e.ms !== undefined) expect(r.extension!.requestedMs).toBe(e.ms);
      if (e.until) expect(r.extension!.until).toBe(e.until);
    } else {
      expect(r.extension).toBeNull();
    }
    if (e.kind === 'exception') expect(r.exception!.description.length).toBeGreaterThan(20);
  });

  it('has 20+ realistic examples', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(20);
  });

  it('an exception keeps the owner’s description, without greeting, quote and signature', () => {
    const r = classify(EXAMPLES[12].reply);
    expect(r.exception!.description).toBe(
      'This traffic is expected: the VM is our vulnerability scanner and scans our own ranges every night.',
    );
    const inline = classify(EXAMPLES[15].reply);
    expect(inline.exception!.description.startsWith('we need an exception: the VM is a load-test runner')).toBe(true);
  });

  it.each([
    ['this is not normal', 'This is not normal.'],
    ['not expected', 'The traffic was not expected by us either.'],
    ['isn’t legitimate', 'That traffic isn’t legitimate.'],
    ['not a false positive', 'I am afraid this is not a false positive.'],
  ])('negations: %s is no exception', (_what, text) => {
    expect(classify(text).kind).not.toBe('exception');
  });

  it.each([
    ['cannot fix', 'We cannot fix it before Friday.'],
    ['not fixed', 'It is not fixed.'],
    ['will fix', 'We will fix it.'],
    ['need to rebuild', 'We need to rebuild the VM.'],
    ['trying to remove', 'We are trying to remove the malware.'],
    ['question', 'Have you checked whether it is fixed?'],
  ])('negations and intentions: %s is not "fixed"', (_what, text) => {
    expect(classify(text).kind).not.toBe('fixed');
  });

  it('"we cannot fix it in time" asks for time', () => {
    expect(classify('Sorry, we cannot fix it in time.').kind).toBe('extension');
  });

  it('the same text always gives the same answer', () => {
    for (const e of EXAMPLES) expect(classify(e.reply)).toEqual(classify(e.reply));
  });
});
