import type { CaseContact, CaseDirectory } from './case-directory';
import { matchCase } from './case-matcher';
import { extractMatchKeys } from './match-keys';
import { parseMail } from './parsed-mail';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz';
const OTHER_TOKEN = 'bbbbbbbbbbbbbbbbbbbbbbbbbb';

/** A directory that knows one case per key kind, and records what it was asked, in order. */
function directory(known: { token?: string; number?: number; messageId?: string }) {
  const asked: string[] = [];
  const contact = (caseId: string): CaseContact => ({ caseId, caseNumber: 1, contacts: [] });
  const d: CaseDirectory = {
    lookupByToken: async (t) => (asked.push(`token:${t}`), t === known.token ? contact('by-token') : null),
    lookupByNumber: async (n) => (asked.push(`number:${n}`), n === known.number ? contact('by-number') : null),
    lookupByMessageId: async (id) => (asked.push(`id:${id}`), id === known.messageId ? contact('by-thread') : null),
  };
  return { d, asked };
}

const reply = (headers: string[]) => parseMail(Buffer.from([...headers, '', 'text', ''].join('\r\n')));

describe('reply matching', () => {
  it('reads tokens (envelope, To, Cc, Delivered-To), subject tags and thread ids, each in order', async () => {
    const mail = await reply([
      'From: a@customer.example',
      `To: Safeguards <case+${TOKEN}@Safeguards.Example>`,
      `Cc: someone@else.example, case+${OTHER_TOKEN}@safeguards.example`,
      'Delivered-To: case+cccccccccccccccccccccccccc@safeguards.example',
      'Subject: RE: AW: [SG-12] Action required [sg-13]',
      'In-Reply-To: <second@safeguards.example>',
      'References: <root@safeguards.example> <second@safeguards.example>',
    ]);
    const keys = extractMatchKeys(
      mail,
      [`case+${TOKEN}@safeguards.example`, 'case+short@safeguards.example'],
      'safeguards.example',
    );
    expect(keys.tokens).toEqual([TOKEN, OTHER_TOKEN, 'cccccccccccccccccccccccccc']);
    expect(keys.caseNumbers).toEqual([12, 13]);
    expect(keys.messageIds).toEqual(['second@safeguards.example', 'root@safeguards.example']);
  });

  it('ignores reply addresses of another domain', async () => {
    const mail = await reply(['From: a@b.example', `To: case+${TOKEN}@evil.example`, 'Subject: hi']);
    expect(extractMatchKeys(mail, [], 'safeguards.example').tokens).toEqual([]);
  });

  it('token first, then the subject tag, then the thread headers', async () => {
    const keys = { tokens: [TOKEN], caseNumbers: [12], messageIds: ['m@x'] };
    const all = directory({ token: TOKEN, number: 12, messageId: 'm@x' });
    expect(await matchCase(keys, all.d)).toMatchObject({ by: 'token', contact: { caseId: 'by-token' } });
    expect(all.asked).toEqual([`token:${TOKEN}`]);

    const noToken = directory({ number: 12, messageId: 'm@x' });
    expect(await matchCase(keys, noToken.d)).toMatchObject({ by: 'subject', key: 'SG-12' });
    expect(noToken.asked).toEqual([`token:${TOKEN}`, 'number:12']);

    const threadOnly = directory({ messageId: 'm@x' });
    expect(await matchCase(keys, threadOnly.d)).toMatchObject({ by: 'thread', key: 'm@x' });
    expect(threadOnly.asked).toEqual([`token:${TOKEN}`, 'number:12', 'id:m@x']);

    expect(await matchCase(keys, directory({}).d)).toBeNull();
  });

  it('an unknown token falls through to the next key kind', async () => {
    const keys = { tokens: [OTHER_TOKEN], caseNumbers: [], messageIds: ['m@x'] };
    expect(await matchCase(keys, directory({ messageId: 'm@x' }).d)).toMatchObject({ by: 'thread' });
  });
});
