import { emptyLoginEvent, type LoginEvent } from '../events/login-event';
import { ThreatIntel } from '@sg/detection';
import { DEFAULT_DETECTOR_CONFIG } from './detector-config';
import { IpEnrichment, parseNamedNetworks } from './ip-enrichment';
import { LoginDetector, matchHarmful, type AlertHit } from './login-detector';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

const NETWORKS = `
# cidr,country,asn,provider,region,label
127.0.0.2/32,DE,64500,,,office
127.0.0.3/32,DE,64500,,,office-2
127.0.0.4/32,BR,64501,,,abroad
127.0.0.5/32,DE,16509,,,aws-host
127.0.0.6/32,DE,64500,,eu-west,our-dc
`;

function makeEvent(o: Partial<LoginEvent>): LoginEvent {
  return { ...emptyLoginEvent('srv-1'), clientIp: '127.0.0.2', user: 'app', database: 'appdb', ...o };
}
const fail = (at: number, o: Partial<LoginEvent> = {}) =>
  makeEvent({ kind: 'login-failed', at, sqlState: '28P01', ...o });
const ok = (at: number, o: Partial<LoginEvent> = {}) => makeEvent({ kind: 'login-ok', at, ...o });

function setup(threats: ThreatIntel | null = null) {
  const hits: AlertHit[] = [];
  const enrichment = new IpEnrichment().setNamed(parseNamedNetworks(NETWORKS));
  const d = new LoginDetector(enrichment, threats, { onAlert: (h) => hits.push(h) }, DEFAULT_DETECTOR_CONFIG);
  const types = () => hits.map((h) => h.type);
  return { d, hits, types };
}

/** Ten days of ordinary logins of `app` from the office, so the learning period is over. */
function learn(d: LoginDetector) {
  for (let day = 0; day < 10; day++) d.process(ok(T0 + day * DAY, { clientIp: '127.0.0.2' }));
}

describe('LoginDetector', () => {
  it('brute force: the 6th failure from one address within the leak rate overflows (pgsql-bf 5 / 10 s)', () => {
    const { d, hits, types } = setup();
    for (let i = 0; i < 5; i++) d.process(fail(T0 + i * 1000, { user: `u${i % 2}`, invalidUser: true }));
    expect(hits).toHaveLength(0);
    d.process(fail(T0 + 5000, { user: 'u0', invalidUser: true }));
    expect(types()).toEqual(['brute-force']);
    expect(hits[0]).toMatchObject({ severity: 'medium', key: '127.0.0.2', sourceIp: '127.0.0.2', firstAt: T0 });
    expect(hits[0].values.failures).toBe(6);
    expect(hits[0].threshold).toEqual({ capacity: 5, leakMs: 10_000 });
  });

  it('brute force: failures slower than one per 10 s never overflow', () => {
    const { d, hits } = setup();
    for (let i = 0; i < 50; i++) d.process(fail(T0 + i * 11_000, { invalidUser: true }));
    expect(hits).toHaveLength(0);
  });

  it('brute force using a valid user is its own type (password failures of an existing role)', () => {
    const { d, types } = setup();
    for (let i = 0; i < 6; i++) d.process(fail(T0 + i * 1000, { user: 'app' }));
    expect(types()).toEqual(['brute-force', 'brute-force-valid-user']);
  });

  it('successful brute force: a login from the source after its brute force is high', () => {
    const { d, hits, types } = setup();
    for (let i = 0; i < 6; i++) d.process(fail(T0 + i * 1000, { user: 'app' }));
    d.process(ok(T0 + 7000, { user: 'app' }));
    expect(types()).toContain('brute-force-success');
    const hit = hits.find((h) => h.type === 'brute-force-success')!;
    expect(hit.severity).toBe('high');
    expect(hit.values.failuresBefore).toBe(6);
    // A login two hours later is not one.
    const before = hits.length;
    d.process(ok(T0 + 2 * 3_600_000, { user: 'app' }));
    expect(hits.slice(before).map((h) => h.type)).not.toContain('brute-force-success');
  });

  it('a login with no brute force before it is not a successful brute force', () => {
    const { d, types } = setup();
    d.process(fail(T0, { user: 'app' }));
    d.process(ok(T0 + 1000, { user: 'app' }));
    expect(types()).toEqual([]);
  });

  it('user enumeration: the 6th distinct user name from one address within the leak rate', () => {
    const { d, types } = setup();
    for (let i = 0; i < 6; i++) d.process(fail(T0 + i * 1500, { user: `guess${i}`, invalidUser: true }));
    expect(types()).toContain('user-enumeration');
    const { d: d2, types: types2 } = setup();
    for (let i = 0; i < 12; i++) d2.process(fail(T0 + i * 1000, { user: 'same', invalidUser: true }));
    expect(types2()).not.toContain('user-enumeration');
  });

  it('distributed brute force: 30 failures in 30 min from 10+ addresses, once per window', () => {
    const { d, hits, types } = setup();
    for (let i = 0; i < 40; i++) d.process(fail(T0 + i * 30_000, { clientIp: `198.51.100.${i % 15}` }));
    expect(types().filter((t) => t === 'distributed-brute-force')).toHaveLength(1);
    expect(types()).not.toContain('brute-force');
    const hit = hits.find((h) => h.type === 'distributed-brute-force')!;
    expect(hit.values).toMatchObject({ failures: 30, sources: 15 });
    const { d: d2, types: t2 } = setup();
    for (let i = 0; i < 40; i++) d2.process(fail(T0 + i * 30_000, { clientIp: `198.51.100.${i % 3}` }));
    expect(t2()).not.toContain('distributed-brute-force');
  });

  it('harmful application: a deny-listed application_name on a login, high', () => {
    const { d, hits } = setup();
    d.process(ok(T0, { application: 'sqlmap/1.8#stable' }));
    expect(hits.map((h) => [h.type, h.severity, h.values.signal])).toEqual([
      ['harmful-application', 'high', 'application-name:sqlmap'],
    ]);
    expect(matchHarmful('psql')).toBe('');
    expect(matchHarmful('pgAdmin 4 - DB:postgres')).toBe('');
    expect(matchHarmful('Nmap NSE')).toBe('nmap');
  });

  it("harmful application: nmap's versionprobe and hydra's template1 failures", () => {
    const { d, hits } = setup();
    d.process(fail(T0, { user: 'versionprobe', database: 'versionprobe', invalidUser: true }));
    expect(hits.map((h) => h.values.signal)).toEqual(['nmap-version-probe']);
    const { d: d2, hits: h2 } = setup();
    for (let i = 0; i < 3; i++) d2.process(fail(T0 + i * 20_000, { clientIp: '127.0.0.9', database: 'template1' }));
    expect(h2.map((h) => [h.type, h.values.signal])).toEqual([['harmful-application', 'template1-failures']]);
  });

  it('unfamiliar principal: only after the learning period, and not for a principal seen in the window', () => {
    const { d, hits, types } = setup();
    d.process(ok(T0, { user: 'app' }));
    d.process(ok(T0 + DAY, { user: 'newbie' }));
    expect(types()).toEqual([]); // still learning
    learn(d);
    d.process(ok(T0 + 11 * DAY, { user: 'intruder' }));
    d.process(ok(T0 + 11 * DAY + 1, { user: 'newbie' }));
    expect(types()).toEqual(['unfamiliar-principal']);
    expect(hits[0]).toMatchObject({ severity: 'low', key: 'intruder', user: 'intruder' });
    // 62 days after its last login the same principal is unfamiliar again.
    d.process(ok(T0 + 73 * DAY, { user: 'intruder' }));
    const principals = hits.filter((h) => h.type === 'unfamiliar-principal');
    expect(principals.map((h) => `${h.type} ${h.user}`)).toEqual([
      'unfamiliar-principal intruder',
      'unfamiliar-principal intruder',
    ]);
  });

  it('unusual location, network, cloud provider and data centre from the named networks', () => {
    const { d, hits } = setup();
    learn(d);
    d.process(ok(T0 + 11 * DAY, { clientIp: '127.0.0.3' })); // same country and AS: nothing
    d.process(ok(T0 + 11 * DAY, { clientIp: '127.0.0.4' })); // BR, AS64501
    d.process(ok(T0 + 11 * DAY, { clientIp: '127.0.0.5' })); // AWS
    d.process(ok(T0 + 11 * DAY, { clientIp: '127.0.0.6' })); // our eu-west region
    expect(hits.map((h) => `${h.sourceIp} ${h.type} ${h.severity}`)).toEqual([
      '127.0.0.4 unusual-location medium',
      '127.0.0.4 unusual-network low',
      '127.0.0.5 unusual-network low',
      '127.0.0.5 unusual-cloud-provider medium',
      '127.0.0.6 unusual-data-centre low',
    ]);
    expect(hits[0].values).toMatchObject({ country: 'BR', knownValues: ['DE'] });
    expect(hits[0].facts).toMatchObject({ country: 'BR', asn: 64501, label: 'abroad' });
  });

  it('suspicious IP: a successful login from a threat-listed address (failures alone are not)', () => {
    const threats = new ThreatIntel([{ category: 'tor', text: '127.0.0.7\n' }]);
    const { d, hits } = setup(threats);
    d.process(fail(T0, { clientIp: '127.0.0.7' }));
    d.process(ok(T0 + 1000, { clientIp: '127.0.0.7' }));
    d.process(ok(T0 + 2000, { clientIp: '127.0.0.2' }));
    expect(hits.map((h) => [h.type, h.severity, h.values.categories])).toEqual([['suspicious-ip', 'medium', ['tor']]]);
  });

  it('baselines: new values and those seen an hour later are queued for writing, once', () => {
    const { d } = setup();
    d.process(ok(T0, { user: 'app' }));
    d.process(ok(T0 + 1000, { user: 'app' }));
    let dirty = d.takeDirty('srv-1');
    expect(dirty.start).toBe(T0);
    expect(dirty.entries.map((e) => `${e.kind}=${e.value}`).sort()).toEqual(['asn=AS64500', 'country=DE', 'user=app']);
    d.process(ok(T0 + 2000, { user: 'app' }));
    expect(d.takeDirty('srv-1').entries).toHaveLength(0);
    d.process(ok(T0 + 2 * 3_600_000, { user: 'app' }));
    d.process(ok(T0 + 2 * 3_600_000 + 1, { user: 'app' }));
    dirty = d.takeDirty('srv-1');
    expect(dirty.start).toBeNull();
    expect(dirty.entries).toHaveLength(3);
    expect(dirty.entries[0].lastSeen).toBe(T0 + 2 * 3_600_000 + 1);
  });
});
