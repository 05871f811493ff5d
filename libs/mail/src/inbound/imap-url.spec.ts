import { parseImapUrl } from './imap-url';

describe('IMAP_URL', () => {
  it('reads host, port, TLS, credentials and mailbox', () => {
    expect(parseImapUrl('imaps://replies%40example.com:p%40ss@imap.example.com/Safeguards%20Replies')).toEqual({
      host: 'imap.example.com',
      port: 993,
      secure: true,
      auth: { user: 'replies@example.com', pass: 'p@ss' },
      mailbox: 'Safeguards Replies',
    });
    expect(parseImapUrl('imap://u:p@127.0.0.1:1143')).toMatchObject({ port: 1143, secure: false, mailbox: 'INBOX' });
  });
});
