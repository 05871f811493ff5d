import nodemailer from 'nodemailer';
import type { CaseSummary } from './case-mail-view';
import { mailFormat } from './mail-format';
import { MAIL_TEMPLATE_NAMES, type MailModel, type MailTemplateName } from './mail-templates';
import { SAMPLE_MAIL_CONTEXT, SAMPLES, sampleContext } from './samples';
import { TemplateRenderer } from './template-renderer';

const renderer = new TemplateRenderer();
const render = <T extends MailTemplateName>(name: T, model: MailModel<T> = SAMPLES[name]) =>
  renderer.render(name, model, sampleContext(model));

/** What each template must say, in both parts (values as the owner reads them). */
const EXPECTED: { [T in MailTemplateName]: (m: MailModel<T>) => string[] } = {
  'red-source': (m) => [
    m.case.vm.name,
    m.case.deployment.name,
    m.case.subscription.name,
    'scanning the ports of other hosts',
    mailFormat.date(m.deadlineAt),
    'shut down the deployment',
    '203.0.113.17',
    '1,022',
    'outbound-port-scan',
    '500',
    '4,096',
    '60s',
    '2026-06-01 09:12:44 UTC',
    '2026-06-01 10:47:03 UTC',
    'Isolate the VM',
    'more time',
    'This traffic is expected',
    m.case.vm.id,
  ],
  'red-target': (m) => [m.case.vm.name, 'password-guessing', '45.95.147.3', 'Restrict SSH', 'inbound-ssh-brute-force'],
  reminder: (m) => [m.case.vm.name, mailFormat.date(m.deadlineAt), '12 hours', 'shut down the deployment'],
  'final-warning': (m) => [m.case.deployment.name, mailFormat.date(m.deadlineAt), '1 hour'],
  shutdown: (m) => [
    m.case.deployment.name,
    mailFormat.date(m.shutDownAt),
    m.reason,
    '"fixed"',
    'Start the deployment again',
  ],
  restarted: (m) => [m.case.deployment.name, mailFormat.date(m.restartedAt)],
  'case-closed': (m) => [m.case.vm.name, 'no longer see', mailFormat.date(m.closedAt)],
  'extension-received': (m) => [mailFormat.date(m.requestedUntil!), mailFormat.date(m.deadlineAt)],
  'extension-granted': (m) => [mailFormat.date(m.previousDeadlineAt), mailFormat.date(m.deadlineAt), m.note!],
  'extension-denied': (m) => [mailFormat.date(m.deadlineAt), 'isolate the VM today'],
  'exception-received': (m) => ['authorised external vulnerability scanner', mailFormat.date(m.deadlineAt!)],
  'exception-approved': (m) => ['Nightly scan', mailFormat.date(m.expiresAt!)],
  'exception-rejected': (m) => ['scanning third parties is not allowed', mailFormat.date(m.deadlineAt!)],
  'traffic-resumed': (m) => [
    'has resumed',
    'stands',
    mailFormat.date(m.deadlineAt!),
    'shut down the deployment',
    m.case.deployment.name,
  ],
};

/** The text an HTML part shows (tags dropped, the entities handlebars writes decoded). */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('mail templates', () => {
  it.each(MAIL_TEMPLATE_NAMES)('%s: subject tag and every field in both the HTML and the text part', (name) => {
    const model = SAMPLES[name];
    const out = render(name);
    expect(out.subject.startsWith(`[SG-${model.case.number}] `)).toBe(true);
    expect(out.html).toMatch(/^<!doctype html>/);
    const expected = (EXPECTED[name] as (m: typeof model) => string[])(model);
    for (const value of [...expected, model.case.vm.name, `[SG-${model.case.number}]`]) {
      // The text part shouts some words (SHUT DOWN THE DEPLOYMENT) where HTML uses bold.
      expect(visible(out.html).toLowerCase()).toContain(flat(value).toLowerCase());
      expect(flat(out.text).toLowerCase()).toContain(flat(value).toLowerCase());
    }
    // Plain text stays plain: no markup, no escaped entities, lines wrapped for mail readers.
    expect(out.text).not.toMatch(/<\/?[a-z]+[ >]|&(amp|lt|gt|quot);/);
    // Addresses and the customer page link (a URL cannot be wrapped) stand on their own lines.
    const url = SAMPLE_MAIL_CONTEXT.caseUrl!;
    for (const line of out.text.split('\n'))
      if (!line.includes('@') && line !== url) expect(line.length).toBeLessThanOrEqual(78);
    // Every case mail links the owner's signed case page.
    expect(out.text.split('\n')).toContain(url);
    expect(out.html).toContain(`href="${url}"`);
  });

  it('the red e-mail for a target has no deadline and says nothing will be shut down by one', () => {
    const out = render('red-target');
    expect(out.text).not.toMatch(/DEADLINE|more time/);
    expect(out.text).toContain('Nothing is required of you by a deadline');
  });

  it('mitigated and closed read differently', () => {
    const closed = render('case-closed', {
      ...SAMPLES['case-closed'],
      outcome: 'closed',
      note: 'Verified by the team.',
    });
    expect(closed.subject).toContain('Case closed');
    expect(closed.text).toContain('Verified by the team.');
    expect(render('case-closed').subject).toContain('Resolved');
  });

  it('traffic resumed after the deadline passed says when escalation comes; for a target, no deadline at all', () => {
    const passed = render('traffic-resumed', { ...SAMPLES['traffic-resumed'], deadlineKept: false, reopenCount: 2 });
    expect(passed.text).toContain('has passed');
    expect(flat(passed.text)).not.toContain('you were given stands');
    expect(passed.text).toContain('2 time(s)');
    const target = render('traffic-resumed', {
      ...SAMPLES['traffic-resumed'],
      case: SAMPLES['red-target'].case,
      deadlineAt: null,
    });
    expect(target.subject).toContain('against your VM');
    expect(target.text).not.toMatch(/deadline|SHUT DOWN/i);
  });

  it('an optional value that is null leaves its sentence out', () => {
    const out = render('extension-received', { ...SAMPLES['extension-received'], requestedUntil: null });
    expect(out.text).toContain('You asked for more time.');
  });

  it('a model that lacks a field fails the render (strict mode), instead of printing nothing', () => {
    const broken = { ...SAMPLES.shutdown } as Partial<MailModel<'shutdown'>>;
    delete broken.reason;
    expect(() => render('shutdown', broken as MailModel<'shutdown'>)).toThrow(/reason/);
  });

  describe('hostile values', () => {
    const hostileCase: CaseSummary = {
      ...SAMPLES['red-source'].case,
      vm: { id: 'vm-1', name: '<script>alert(1)</script>' },
      deployment: { id: 'dep-1', name: '"><img src=x onerror=alert(1)>' },
      subscription: { id: 'sub-1', name: "Robert'); DROP TABLE cases;--\r\nBcc: victim@example.com" },
    };
    const model: MailModel<'red-source'> = {
      ...SAMPLES['red-source'],
      case: hostileCase,
      evidence: {
        ...SAMPLES['red-source'].evidence,
        topPeers: [{ ip: '<b>1.2.3.4</b>', flows: 1, packets: 1, bytes: 1 }],
        rules: [{ name: 'r<i>', threshold: 1, observed: 2, window: '1m', description: '<a href="javascript:x">' }],
      },
    };

    it.each(MAIL_TEMPLATE_NAMES)('%s: the VM and deployment names are escaped in HTML', (name) => {
      const out = renderer.render(name, { ...SAMPLES[name], case: hostileCase } as never, sampleContext(model));
      expect(out.html).not.toContain('<script>');
      expect(out.html).not.toContain('<img');
      expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      if (out.html.includes('onerror'))
        expect(out.html).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    });

    it('evidence values are escaped too', () => {
      const out = renderer.render('red-source', model, sampleContext(model));
      expect(out.html).not.toMatch(/<b>1\.2\.3\.4|<i>|<a href="javascript/);
      expect(out.html).toContain('&lt;b&gt;1.2.3.4&lt;/b&gt;');
    });

    it('no CR/LF reaches the subject; the message built from it has no injected header', async () => {
      const withBreak = { ...hostileCase, vm: { id: 'vm-1', name: 'web\r\nBcc: victim@example.com\r\n\r\nbody' } };
      const out = renderer.render('red-source', { ...model, case: withBreak }, sampleContext(model));
      expect(out.subject).not.toMatch(/[\r\n]/);
      expect(out.text).not.toMatch(/^Bcc:/m);
      const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      const info = await transport.sendMail({
        from: 'a@example.com',
        to: 'b@example.com',
        subject: out.subject,
        text: out.text,
      });
      const head = (info.message as Buffer).toString('utf8').split('\n\n')[0];
      expect(head).not.toMatch(/^bcc:/im);
      expect(head.match(/^subject:/gim)).toHaveLength(1);
    });
  });
});

describe('mail formatting (UTC, stable across ICU builds)', () => {
  it('formats dates, durations, numbers and sizes', () => {
    expect(mailFormat.date('2026-06-02T10:47:00+02:00')).toBe('Tue 2 Jun 2026 08:47 UTC');
    expect(mailFormat.timestamp('2026-06-02T10:47:05Z')).toBe('2026-06-02 10:47:05 UTC');
    expect(mailFormat.duration(48 * 3600_000)).toBe('48 hours');
    expect(mailFormat.duration(90 * 60_000)).toBe('1 hour 30 minutes');
    expect(mailFormat.duration(7 * 24 * 3600_000)).toBe('7 days');
    expect(mailFormat.duration(50 * 3600_000 + 60_000)).toBe('2 days 2 hours');
    expect(mailFormat.number(1234567)).toBe('1,234,567');
    expect(mailFormat.number(12.5)).toBe('12.5');
    expect(mailFormat.bytes(22_134_660)).toBe('22.1 MB');
    expect(mailFormat.bytes(512)).toBe('512 B');
    expect(mailFormat.date('not a date')).toBe('not a date');
  });
});

describe('plain-text layout', () => {
  // The text part is what many owners read: a value must sit inside its sentence and each fact on
  // its own labelled line (a reformatted template once put every value on a line of its own).
  it('keeps sentences and labelled facts on one line', () => {
    const { text } = render('red-source');
    const m = SAMPLES['red-source'];
    expect(text).toMatch(/^\s*VM:\s+\S.*\(.+\)$/m);
    expect(text).toMatch(/^[\d,.]+ flows, [\d,.]+ packets and \S+ \S* ?between$/m);
    expect(text).toContain(`VM:            ${m.case.vm.name} (${m.case.vm.id})`);
    expect(text.split('\n').filter((l) => /^\s*[\d,.]+\s*$/.test(l))).toEqual([]);
  });
});
