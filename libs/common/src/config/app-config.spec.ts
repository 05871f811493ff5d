import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.NETFLOW_PORT).toBe(2055);
    expect(c.SFLOW_PORT).toBe(6343);
    expect(c.INBOUND_SMTP_PORT).toBe(2525);
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/safeguards');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.SMTP_URL).toBe('smtp://127.0.0.1:1025');
    expect(c.CASE_DEADLINE_DEFAULT).toBe(24 * 3600_000);
    expect(c.RECHECK_WINDOW).toBe(600_000);
    expect(c.ROLES).toEqual(['api', 'collector', 'worker']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['CASE_DEADLINE_DEFAULT', '3 fortnights'],
    ['REDIS_URL', 'http://localhost'],
    ['CLOUD_PREFIXES', '10.0.0.0/8, 300.1.0.0/16'],
    ['THREAT_LISTS', 'no-equals-sign'],
    ['ROLES', 'api,mailer'],
    ['ADMIN_TOKEN', 'short'],
  ])('stops on a bad %s, naming it', (variable, value) => {
    let err: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.variable)).toContain(variable);
  });

  it('requires ADMIN_TOKEN in production and a secret with a control URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig({ DEPLOYMENT_CONTROL_URL: 'https://cp.example/hook' })).toThrow(
      /DEPLOYMENT_CONTROL_SECRET/,
    );
  });

  it('parses durations, prefixes and threat lists', () => {
    const c = loadConfig({
      RECHECK_WINDOW: '90s',
      CLOUD_PREFIXES: '10.0.0.0/8,2001:db8::/32',
      THREAT_LISTS: 'c2=/x/c2.txt,tor=/x/tor.txt',
    });
    expect(c.RECHECK_WINDOW).toBe(90_000);
    expect(c.CLOUD_PREFIXES.map((p) => p.bits)).toEqual([8, 32]);
    expect(c.THREAT_LISTS).toEqual([
      { category: 'c2', path: '/x/c2.txt' },
      { category: 'tor', path: '/x/tor.txt' },
    ]);
  });
});
