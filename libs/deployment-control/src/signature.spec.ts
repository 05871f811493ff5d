import { createHmac } from 'node:crypto';
import { signBody, verifySignature } from './signature';

describe('X-Safeguards-Signature', () => {
  const secret = 'a-long-shared-secret';
  const body =
    '{"action":"shutdown","deploymentId":"dep-1","vmIds":["vm-1"],"caseId":"c","requestedAt":"2024-05-01T00:00:00.000Z"}';

  it('is sha256= and the hex HMAC-SHA256 of the raw body', () => {
    expect(signBody(body, secret)).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('verifies only the exact bytes with the right secret', () => {
    const sig = signBody(body, secret);
    expect(verifySignature(body, secret, sig)).toBe(true);
    expect(verifySignature(Buffer.from(body), secret, sig)).toBe(true);
    expect(verifySignature(body.replace('dep-1', 'dep-2'), secret, sig)).toBe(false);
    expect(verifySignature(body, 'another-secret', sig)).toBe(false);
    expect(verifySignature(body, secret, undefined)).toBe(false);
    expect(verifySignature(body, secret, 'sha256=00')).toBe(false);
  });
});
