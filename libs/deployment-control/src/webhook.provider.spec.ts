import { createServer, type Server } from 'node:http';
import { verifySignature } from './signature';
import { WebhookProvider } from './webhook.provider';

describe('webhook provider', () => {
  let server: Server;
  let url = '';
  let status = 200;
  let delayMs = 0;
  const seen: { key: string; ok: boolean }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        seen.push({
          key: String(req.headers['idempotency-key']),
          ok: verifySignature(raw, 'secret-0123456789', req.headers['x-safeguards-signature'] as string),
        });
        setTimeout(() => res.writeHead(status).end(`answer ${status}`), delayMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const send = (timeoutMs = 1000) =>
    new WebhookProvider(url, 'secret-0123456789', timeoutMs).send({
      action: 'shutdown',
      idempotencyKey: 'k-1',
      body: '{"a":1}',
    });

  it.each([
    [200, 'done'],
    [204, 'done'],
    [500, 'retry'],
    [503, 'retry'],
    [429, 'retry'],
    [408, 'retry'],
    [400, 'rejected'],
    [404, 'rejected'],
    [409, 'rejected'],
    [302, 'rejected'],
  ])('classifies %i as %s', async (code, outcome) => {
    status = code;
    delayMs = 0;
    const r = await send();
    expect(r.outcome).toBe(outcome);
    expect(seen.at(-1)).toEqual({ key: 'k-1', ok: true });
  });

  it('retries a time-out', async () => {
    status = 200;
    delayMs = 300;
    expect(await send(50)).toMatchObject({ outcome: 'retry', status: null, error: 'no answer within 50 ms' });
  });

  it('retries a refused connection', async () => {
    const r = await new WebhookProvider('http://127.0.0.1:1/hook', 'secret-0123456789', 500).send({
      action: 'restart',
      idempotencyKey: 'k',
      body: '{}',
    });
    expect(r.outcome).toBe('retry');
  });
});
