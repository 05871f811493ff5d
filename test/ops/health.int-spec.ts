import { startRedisServer } from '../support/redis-server';
import { api, startTestApp } from '../support/test-app';

describe('/healthz', () => {
  it('reports Redis down while it is unreachable and up again when it is back', async () => {
    const redis = await startRedisServer();
    const t = await startTestApp({ env: { REDIS_URL: redis.url } });
    try {
      const up = await api(t.url, 'GET', '/healthz', undefined, null);
      expect(up.status).toBe(200);
      expect(up.body.details).toEqual({ postgres: { status: 'up' }, redis: { status: 'up' } });

      await redis.stop();
      const down = await api(t.url, 'GET', '/healthz', undefined, null);
      expect(down.status).toBe(503);
      expect(down.body.details.redis.status).toBe('down');
      expect(down.body.details.postgres.status).toBe('up');

      // Back on the same port: the process reconnects by itself.
      const again = await startRedisServer(redis.port);
      try {
        let status = 0;
        for (let i = 0; i < 50 && status !== 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          status = (await api(t.url, 'GET', '/healthz', undefined, null)).status;
        }
        expect(status).toBe(200);
      } finally {
        await t.close();
        await again.stop();
      }
    } finally {
      await redis.stop();
    }
  });
});

describe('operations endpoints', () => {
  it('serves Prometheus metrics to an authorised caller, OpenAPI, and request ids', async () => {
    const t = await startTestApp({ roles: ['api'] });
    try {
      const anon = await api(t.url, 'GET', '/metrics', undefined, null);
      expect(anon.status).toBe(401);
      const m = await api(t.url, 'GET', '/metrics');
      expect(m.status).toBe(200);
      expect(m.body).toContain('safeguards_process_cpu_seconds_total');
      const docs = await api(t.url, 'GET', '/api/docs/json', undefined, null);
      expect(docs.status).toBe(200);
      expect(Object.keys(docs.body.paths)).toContain('/api/v1/inventory/import');
      const res = await fetch(`${t.url}/healthz`, { headers: { 'x-request-id': 'req-abc-123' } });
      expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    } finally {
      await t.close();
    }
  });
});
