import { recommendationsFor } from './recommendations';

const KINDS = ['port-scan', 'brute-force', 'flood', 'amplification', 'spam', 'malicious-peer', 'mining'];

describe('recommendations', () => {
  it.each(['constructor', '__proto__', 'toString', 'crypto-jacking'])(
    'gives generic advice for the unknown kind "%s"',
    (kind) => {
      for (const role of ['source', 'target'] as const) {
        const r = recommendationsFor(kind, role);
        expect(r.summary).toMatch(/aggressive/);
        expect(r.steps.length).toBeGreaterThan(0);
      }
    },
  );

  it.each(KINDS)('tells the owner of a %s source what probably happened and what to do', (kind) => {
    const r = recommendationsFor(kind, 'source');
    expect(r.summary).toBeTruthy();
    expect(r.likelyCauses.length).toBeGreaterThan(0);
    expect(r.steps.map((s) => s.title)).toContain('Answer the notice');
  });

  it('advises rebuilding a compromised source rather than cleaning it', () => {
    const steps = recommendationsFor('brute-force', 'source').steps.map((s) => s.title);
    expect(steps).toEqual(
      expect.arrayContaining([
        'Isolate the VM',
        'Rebuild from a clean image and move the workload',
        'Rotate credentials',
      ]),
    );
  });

  it('tells the owner of a target how to protect it, and that nothing is required', () => {
    expect(recommendationsFor('brute-force', 'target').steps.map((s) => s.title)).toEqual(
      expect.arrayContaining(['Slow down login attempts', 'Use keys and MFA', 'Nothing is required of you']),
    );
    expect(recommendationsFor('flood', 'target').steps[0].title).toBe('Turn on DDoS protection');
  });

  it('closes reflectors for amplification sources, and falls back for new kinds', () => {
    expect(recommendationsFor('amplification', 'source').steps[0].title).toBe('Close the reflector');
    expect(recommendationsFor('something-new', 'source').steps.length).toBeGreaterThan(0);
  });

  it('hands out copies: a caller cannot change the data for the next one', () => {
    recommendationsFor('spam', 'source').steps[0].title = 'changed';
    expect(recommendationsFor('spam', 'source').steps[0].title).not.toBe('changed');
  });
});
