import { classifySmtpFailure } from './smtp-failure';

describe('SMTP failures', () => {
  it('every recipient refused with 5xx: permanent, with the refused addresses', () => {
    const f = classifySmtpFailure({
      code: 'EENVELOPE',
      command: 'RCPT TO',
      responseCode: 550,
      response: '550 5.1.1 no such user',
      rejected: ['Gone@Customer.example'],
      rejectedErrors: [{ recipient: 'Gone@Customer.example', responseCode: 550 }],
    });
    expect(f).toEqual({ permanent: true, message: '550 5.1.1 no such user', rejected: ['gone@customer.example'] });
  });

  it('one recipient only deferred (4xx): transient', () => {
    const f = classifySmtpFailure({
      code: 'EENVELOPE',
      command: 'RCPT TO',
      rejected: ['a@x', 'b@x'],
      rejectedErrors: [{ responseCode: 550 }, { responseCode: 451 }],
    });
    expect(f.permanent).toBe(false);
  });

  it('the message refused with 5xx after DATA: permanent', () => {
    expect(
      classifySmtpFailure({ code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 spam' }).permanent,
    ).toBe(true);
  });

  it.each([
    ['server down', { code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:1025' }],
    ['time-out', { code: 'ETIMEDOUT', message: 'Greeting never received' }],
    ['4xx', { code: 'EMESSAGE', responseCode: 451, response: '451 try later' }],
    ['503 (bad sequence)', { code: 'EMESSAGE', responseCode: 503 }],
    ['sender refused (our configuration)', { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550 }],
    ['login failed (our configuration)', { code: 'EAUTH', responseCode: 535 }],
    ['not an object', 'boom'],
  ])('%s: transient', (_what, err) => {
    expect(classifySmtpFailure(err).permanent).toBe(false);
  });
});
