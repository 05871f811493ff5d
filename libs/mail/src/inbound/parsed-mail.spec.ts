import { MalformedMailError } from './malformed-mail.error';
import { parseMail } from './parsed-mail';

describe('parseMail', () => {
  it('reads addresses bare and lower-cased, thread ids without brackets, and HTML-only bodies as text', async () => {
    const m = await parseMail(
      Buffer.from(
        [
          'From: "Ops, Anna" <Anna@Customer.Example>',
          'To: case+x@safeguards.example',
          'Subject: =?UTF-8?Q?Re=3A_=5BSG-5=5D_M=C3=A9?=',
          'Date: Wed, 03 Jun 2026 10:00:00 +0200',
          'Message-ID: <reply-1@customer.example>',
          'In-Reply-To: <root@safeguards.example>',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<p>We <b>fixed</b> it &amp; closed the port.</p><blockquote>old stuff</blockquote>',
        ].join('\r\n'),
      ),
    );
    expect(m).toMatchObject({
      from: 'anna@customer.example',
      fromName: 'Ops, Anna',
      subject: 'Re: [SG-5] Mé',
      date: '2026-06-03T08:00:00.000Z',
      messageId: 'reply-1@customer.example',
      inReplyTo: ['root@safeguards.example'],
    });
    expect(m.text).toBe('We fixed it & closed the port.');
  });

  it.each([
    ['no header section', 'just some words\r\nand more words\r\n'],
    ['binary junk', '\u0000\u0001\u0002\u00ff\u00fe garbage'],
    ['no From address', 'Subject: hello\r\nTo: case+x@safeguards.example\r\n\r\nhi'],
    ['an empty From', 'From: \r\nSubject: hello\r\n\r\nhi'],
  ])('refuses what is not mail: %s', async (_what, raw) => {
    await expect(parseMail(Buffer.from(raw, 'latin1'))).rejects.toBeInstanceOf(MalformedMailError);
  });
});
