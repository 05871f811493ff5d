import { CustomerLinks } from './customer-link';

describe('CustomerLinks', () => {
  const links = new CustomerLinks('a-secret-of-sixteen+', 60_000);
  const id = '3f0c8a52-5b1e-4d5e-9d7a-0123456789ab';
  const now = 1_800_000_000_000;

  it('verifies its own link for that case until it expires', () => {
    const t = links.sign(id, now);
    expect(links.verify(t, now + 59_000)).toEqual({ caseId: id });
    expect(links.verify(t, now + 60_000)).toEqual({ refused: 'expired' });
  });

  it('refuses a changed case id, expiry or signature, and another key', () => {
    const t = links.sign(id, now);
    const [c, exp, mac] = t.split('.');
    const other = '3f0c8a52-5b1e-4d5e-9d7a-0123456789ac';
    expect(links.verify(`${other}.${exp}.${mac}`, now)).toEqual({ refused: 'signature' });
    expect(links.verify(`${c}.${Number(exp) + 3600}.${mac}`, now)).toEqual({ refused: 'signature' });
    expect(links.verify(`${c}.${exp}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, now)).toEqual({
      refused: 'signature',
    });
    expect(new CustomerLinks('another-secret-16+', 60_000).verify(t, now)).toEqual({ refused: 'signature' });
    expect(links.verify('nonsense', now)).toEqual({ refused: 'malformed' });
  });

  it('gives each link its own form token', () => {
    expect(links.formToken(links.sign(id, now))).not.toBe(links.formToken(links.sign(id, now + 1000)));
  });
});
