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
    expect(c.RECHECK_TIMEOUT).toBe(5_000);
    expect(c.CASE_REOPEN_GRACE).toBe(0);
    expect(c.ROLES).toEqual(['api', 'collector', 'worker']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['CASE_DEADLINE_DEFAULT', '3 fortnights'],
    ['REDIS_URL', 'http://localhost'],
    ['CLOUD_PREFIXES', '10.0.0.0/8, 300.1.0.0/16'],
    ['THREAT_LISTS', 'no-equals-sign'],
    ['DBWATCH_FOLLOW', 'server with spaces=/var/log/postgresql'],
    ['ROLES', 'api,mailer'],
    ['ADMIN_TOKEN', 'short'],
    ['REDIS_CLUSTER', '127.0.0.1:7000,redis://10.0.0.2:7001'],
    ['REDIS_CLUSTER', '127.0.0.1:70000'],
    ['UDP_REUSE_PORT', 'yes'],
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

  it('reads REDIS_CLUSTER seed nodes (none by default) and UDP_REUSE_PORT (off by default)', () => {
    expect(loadConfig({}).REDIS_CLUSTER).toEqual([]);
    expect(loadConfig({}).UDP_REUSE_PORT).toBe(false);
    expect(loadConfig({ UDP_REUSE_PORT: 'true' }).UDP_REUSE_PORT).toBe(true);
    expect(loadConfig({ REDIS_CLUSTER: ' 10.0.0.1:7000, redis-b.example:7001,[fd00::3]:7002' }).REDIS_CLUSTER).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.example', port: 7001 },
      { host: 'fd00::3', port: 7002 },
    ]);
  });

  it('takes a zero CASE_REOPEN_GRACE but no zero RECHECK_TIMEOUT', () => {
    expect(loadConfig({ CASE_REOPEN_GRACE: '0s' }).CASE_REOPEN_GRACE).toBe(0);
    expect(loadConfig({ CASE_REOPEN_GRACE: '10m' }).CASE_REOPEN_GRACE).toBe(600_000);
    expect(() => loadConfig({ RECHECK_TIMEOUT: '0s' })).toThrow(/RECHECK_TIMEOUT/);
    expect(() => loadConfig({ CASE_REOPEN_GRACE: '-1s' })).toThrow(/CASE_REOPEN_GRACE/);
  });

  it('takes the flow bus settings, and a detector only with FLOW_BUS=nats and an index below the count', () => {
    const d = loadConfig({});
    expect([d.FLOW_BUS, d.FLOW_PARTITIONS, d.DETECTOR_INDEX, d.DETECTOR_COUNT]).toEqual(['memory', 64, 0, 1]);
    const c = loadConfig({
      ROLES: 'detector',
      FLOW_BUS: 'nats',
      NATS_URL: 'nats://10.0.0.5:4222',
      DETECTOR_INDEX: '2',
      DETECTOR_COUNT: '3',
    });
    expect([c.ROLES, c.NATS_URL, c.DETECTOR_INDEX, c.DETECTOR_COUNT]).toEqual([
      ['detector'],
      'nats://10.0.0.5:4222',
      2,
      3,
    ]);
    expect(() => loadConfig({ ROLES: 'detector' })).toThrow(/FLOW_BUS/);
    expect(() => loadConfig({ FLOW_BUS: 'nats', DETECTOR_INDEX: '3', DETECTOR_COUNT: '3' })).toThrow(/DETECTOR_INDEX/);
    expect(() => loadConfig({ FLOW_BUS: 'kafka' })).toThrow(/FLOW_BUS/);
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

  it('parses the logs dbwatch follows', () => {
    const c = loadConfig({ DBWATCH_FOLLOW: 'pg-1=/var/log/postgresql/pg1.log, pg-2=/srv/pg2/log' });
    expect(c.DBWATCH_FOLLOW).toEqual([
      { serverId: 'pg-1', path: '/var/log/postgresql/pg1.log' },
      { serverId: 'pg-2', path: '/srv/pg2/log' },
    ]);
    expect(loadConfig({}).DBWATCH_FOLLOW).toEqual([]);
  });
});
