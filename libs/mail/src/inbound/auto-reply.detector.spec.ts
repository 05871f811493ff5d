import { detectAutomaticMail } from './auto-reply.detector';
import { parseMail } from './parsed-mail';

const mail = async (headers: string[], body = 'Hello', envelopeFrom: string | null = 'someone@customer.example') =>
  detectAutomaticMail(await parseMail(Buffer.from([...headers, '', body, ''].join('\r\n'))), envelopeFrom);
const base = [
  'From: Anna Admin <anna@customer.example>',
  'To: case+abc@safeguards.example',
  'Subject: Re: [SG-7] Action required',
];

describe('automatic mail detection', () => {
  it('a person’s reply is not automatic', async () => {
    const v = await mail([...base, 'Auto-Submitted: no'], 'Please give us 48 more hours.');
    expect(v).toEqual({ automatic: false, kind: null, reasons: [], bounceRecipients: [] });
  });

  it.each([
    [['Auto-Submitted: auto-replied'], 'Auto-Submitted: auto-replied'],
    [['Auto-Submitted: auto-generated; owner-email="x@y"'], 'Auto-Submitted: auto-generated'],
    [['Precedence: bulk'], 'Precedence: bulk'],
    [['Precedence: junk'], 'Precedence: junk'],
    [['Precedence: auto_reply'], 'Precedence: auto_reply'],
    [['Precedence: list'], 'Precedence: list'],
    [['Return-Path: <>'], 'empty Return-Path <>'],
    [['X-Autoreply: yes'], 'x-autoreply header'],
    [['X-Autorespond: Out of office'], 'x-autorespond header'],
  ])('out-of-office and robots: %j', async (extra, reason) => {
    const v = await mail([...base, ...extra], 'I am out of the office until Monday and will reply then.');
    expect(v.automatic).toBe(true);
    expect(v.kind).toBe('auto-reply');
    expect(v.reasons.join(' | ')).toContain(reason);
  });

  it('an out-of-office without headers is still caught by its subject', async () => {
    const v = await mail([base[0], base[1], 'Subject: Automatic reply: [SG-7] Action required']);
    expect(v).toMatchObject({ automatic: true, kind: 'auto-reply' });
  });

  it('the null envelope sender is automatic (only DSNs and receipts use it)', async () => {
    const v = await mail(base, 'hi', '');
    expect(v.reasons).toContain('null envelope sender <>');
  });

  it('a DSN (multipart/report; delivery-status) is a bounce and names the failed recipients only', async () => {
    const v = await mail(
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>',
        'To: case+abc@safeguards.example',
        'Subject: Undelivered Mail Returned to Sender',
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      ],
      [
        '--B',
        'Content-Type: text/plain',
        '',
        'This is the mail system. I could not deliver your message.',
        '--B',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.customer.example',
        '',
        'Final-Recipient: rfc822; Gone@Customer.example',
        'Action: failed',
        'Status: 5.1.1',
        '',
        'Final-Recipient: rfc822; slow@customer.example',
        'Action: delayed',
        'Status: 4.4.1',
        '--B--',
      ].join('\r\n'),
      '',
    );
    expect(v.automatic).toBe(true);
    expect(v.kind).toBe('bounce');
    expect(v.bounceRecipients).toEqual(['gone@customer.example']);
    expect(v.reasons).toEqual(expect.arrayContaining(['sender mailer-daemon', 'multipart/report (delivery-status)']));
  });

  it('a plain-text bounce from postmaster (qmail/Postfix style) yields the addresses it lists', async () => {
    const v = await mail(
      ['From: postmaster@mx.customer.example', 'To: case+abc@safeguards.example', 'Subject: failure notice'],
      'Hi. This is the qmail-send program.\r\n\r\n<old-admin@customer.example>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n',
    );
    expect(v).toMatchObject({ automatic: true, kind: 'bounce', bounceRecipients: ['old-admin@customer.example'] });
  });

  it('a read receipt (multipart/report; disposition-notification) is automatic, not a bounce', async () => {
    const v = await mail(
      [...base, 'Content-Type: multipart/report; report-type=disposition-notification; boundary="B"'],
      '--B\r\nContent-Type: text/plain\r\n\r\nRead.\r\n--B--',
    );
    expect(v).toMatchObject({ automatic: true, kind: 'auto-reply', bounceRecipients: [] });
  });
});
