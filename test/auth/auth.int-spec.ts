import { Client } from 'pg';
import { api, startTestApp, type TestApp } from '../support/test-app';

describe('API tokens and roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ roles: ['api'] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 without a token or with a wrong one', async () => {
    expect((await api(t.url, 'GET', '/api/v1/vms', undefined, null)).status).toBe(401);
    const wrong = await api(t.url, 'GET', '/api/v1/vms', undefined, 'sg_not-a-real-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthenticated');
  });

  it('answers 403 for a role that may not act, and stores only token hashes', async () => {
    const ingest = await api(t.url, 'POST', '/api/v1/tokens', { name: 'exporter', role: 'ingest' });
    expect(ingest.status).toBe(201);
    expect(ingest.body.token).toMatch(/^sg_/);
    const responder = await api(t.url, 'POST', '/api/v1/tokens', { name: 'alice', role: 'responder' });

    const denied = await api(t.url, 'GET', '/api/v1/vms', undefined, ingest.body.token);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect((await api(t.url, 'GET', '/api/v1/vms', undefined, responder.body.token)).status).toBe(200);
    expect((await api(t.url, 'POST', '/api/v1/inventory/import', {}, responder.body.token)).status).toBe(403);
    expect(
      (await api(t.url, 'POST', '/api/v1/tokens', { name: 'x', role: 'admin' }, responder.body.token)).status,
    ).toBe(403);

    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    try {
      const rows = await c.query('SELECT token_hash FROM api_tokens');
      const stored = rows.rows.map((r) => r.token_hash as string);
      expect(stored).toHaveLength(2);
      expect(stored.join()).not.toContain(ingest.body.token.slice(3, 20));
      stored.forEach((h) => expect(h).toMatch(/^[0-9a-f]{64}$/));
    } finally {
      await c.end();
    }
    const list = await api(t.url, 'GET', '/api/v1/tokens');
    expect(JSON.stringify(list.body)).not.toContain('token_hash');
    expect(JSON.stringify(list.body)).not.toContain(ingest.body.token);
  });

  it('stops accepting a revoked token', async () => {
    const tok = await api(t.url, 'POST', '/api/v1/tokens', { name: 'temp', role: 'responder' });
    expect((await api(t.url, 'DELETE', `/api/v1/tokens/${tok.body.id}`)).status).toBe(204);
    expect((await api(t.url, 'GET', '/api/v1/vms', undefined, tok.body.token)).status).toBe(401);
    expect((await api(t.url, 'DELETE', `/api/v1/tokens/${tok.body.id}`)).status).toBe(404);
  });
});
