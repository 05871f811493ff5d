import { extractReplyText } from './reply-text';

const QUOTE = '> Please stop this activity by Tue 2 Jun 2026 10:47 UTC.\n> Please give us 48 more hours';

describe('reply text: quoted history and signatures', () => {
  it.each([
    ['Gmail', `We patched it.\n\nOn Tue, Jun 2, 2026 at 10:47 AM Safeguards <safeguards@example.com> wrote:\n${QUOTE}`],
    [
      'Gmail, header wrapped',
      `We patched it.\n\nOn Tue, Jun 2, 2026 at 10:47 AM Safeguards <\nsafeguards@example.com> wrote:\n\n${QUOTE}`,
    ],
    ['Apple Mail', `We patched it.\n\n> On 2 Jun 2026, at 10:47, Safeguards <safeguards@example.com> wrote:\n${QUOTE}`],
    ['Thunderbird', `We patched it.\n\nOn 02.06.26 10:47, Safeguards wrote:\n${QUOTE}`],
    ['German', `We patched it.\n\nAm 02.06.2026 um 10:47 schrieb Safeguards <safeguards@example.com>:\n${QUOTE}`],
    [
      'French',
      `We patched it.\n\nLe mar. 2 juin 2026 à 10:47, Safeguards <safeguards@example.com> a écrit :\n${QUOTE}`,
    ],
    [
      'Spanish',
      `We patched it.\n\nEl mar, 2 jun 2026 a las 10:47, Safeguards (<safeguards@example.com>) escribió:\n${QUOTE}`,
    ],
    [
      'Outlook "Original Message"',
      'We patched it.\n\n-----Original Message-----\nFrom: Safeguards\nSent: Tuesday, June 2, 2026 10:47 AM\nPlease give us 48 more hours',
    ],
    [
      'Outlook header block',
      'We patched it.\n\n________________________________\nFrom: Safeguards <safeguards@example.com>\nSent: Tuesday, June 2, 2026 10:47 AM\nTo: Ops\nSubject: [SG-1] Action required\n\nPlease give us 48 more hours',
    ],
    [
      'Outlook header block without rule',
      'We patched it.\n\nFrom: Safeguards <safeguards@example.com>\nSent: Tuesday, June 2, 2026 10:47 AM\nSubject: [SG-1]\n\nPlease give us 48 more hours',
    ],
    [
      'Outlook, German',
      'We patched it.\n\nVon: Safeguards <safeguards@example.com>\nGesendet: Dienstag, 2. Juni 2026 10:47\nAn: Ops\n\nPlease give us 48 more hours',
    ],
    [
      'forward',
      'We patched it.\n\n---------- Forwarded message ---------\nFrom: Safeguards\nPlease give us 48 more hours',
    ],
  ])('%s: the quote is cut', (_client, input) => {
    expect(extractReplyText(input)).toEqual({ text: 'We patched it.', quoted: true, signature: false });
  });

  it('keeps answers written between quoted lines', () => {
    const r = extractReplyText(
      '> Is this traffic expected?\nYes, it is our backup job.\n> Which hosts?\nOnly 10.0.0.0/8.',
    );
    expect(r.text).toBe('Yes, it is our backup job.\nOnly 10.0.0.0/8.');
    expect(r.quoted).toBe(true);
  });

  it('keeps a reply written below the quote header (bottom-posting)', () => {
    const r = extractReplyText(`On Tue, Jun 2, 2026 at 10:47 AM Safeguards wrote:\n${QUOTE}\n\nWe need two more days.`);
    expect(r.text).toBe('We need two more days.');
  });

  it.each([
    ['"-- " delimiter', 'We closed the port.\n\n-- \nJohn Smith\nContoso Ops\n+1 555 0100'],
    ['bare "--"', 'We closed the port.\n--\nJohn'],
    ['iPhone', 'We closed the port.\n\nSent from my iPhone'],
    ['Outlook mobile', 'We closed the port.\n\nGet Outlook for Android'],
    ['German phone', 'We closed the port.\n\nVon meinem iPhone gesendet'],
    [
      'sign-off and name',
      'We closed the port.\n\nBest regards,\nJohn Smith\nHead of Operations, Contoso\nPhone +1 555 0100',
    ],
    ['short sign-off', 'We closed the port.\nThanks!\nJohn'],
    ['German sign-off', 'We closed the port.\n\nMit freundlichen Grüßen\nJohann Schmidt'],
  ])('%s: the signature is cut', (_what, input) => {
    expect(extractReplyText(input)).toEqual({ text: 'We closed the port.', quoted: false, signature: true });
  });

  it('a "Thanks" that starts the message, or one followed by more text, is kept', () => {
    expect(extractReplyText('Thanks,\nwe closed the port.').text).toBe('Thanks,\nwe closed the port.');
    const long =
      'We closed the port.\nThanks\n' +
      Array.from({ length: 8 }, (_, i) => `line ${i} of a long explanation`).join('\n');
    expect(extractReplyText(long).text).toBe(long);
  });

  it('signature and quote together; CRLF line ends', () => {
    const r = extractReplyText(
      'Hi,\r\n\r\nthis traffic is expected.\r\n\r\nCheers,\r\nAnna\r\n\r\nOn Tue, Jun 2, 2026 at 10:47 AM Safeguards wrote:\r\n> text\r\n',
    );
    expect(r).toEqual({ text: 'Hi,\n\nthis traffic is expected.', quoted: true, signature: true });
  });
});
