import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { verifySignature } from '@sg/deployment-control';

export interface ControlRequest {
  key: string;
  body: string;
  json: { action: string; deploymentId: string; vmIds: string[]; caseId: string; requestedAt: string };
  signatureOk: boolean;
  /** The key was already performed: answered as the same request, nothing done again. */
  replay: boolean;
  at: number;
}

export type ControlAnswer = { status: number; body?: string } | { hang: Promise<void> };

/**
 * A control plane as ARCHITECTURE.md describes its webhook, for tests: verifies the HMAC of the
 * raw body, performs each Idempotency-Key once (a repeated key is the same request: it gets the
 * first answer again), and records everything. `answer` decides what a new request gets; an
 * answer may hang until the test lets it go (after the action was performed: the crash case).
 */
export class ControlPlane {
  readonly requests: ControlRequest[] = [];
  /** Keys performed, in order: a shutdown per key, whatever the retries. */
  readonly performed: ControlRequest[] = [];
  answer: (r: ControlRequest) => ControlAnswer = () => ({ status: 200, body: '{"ok":true}' });
  private readonly results = new Map<string, { status: number; body: string }>();
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secret: string,
  ) {}

  static async start(secret: string): Promise<ControlPlane> {
    const ref: { plane?: ControlPlane } = {};
    const server = createServer((req, res) => void ref.plane!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const plane = new ControlPlane(server, `http://127.0.0.1:${port}/hooks/deployments`, secret);
    ref.plane = plane;
    server.on('connection', (s) => {
      plane.sockets.add(s);
      s.on('close', () => plane.sockets.delete(s));
    });
    return plane;
  }

  /** Requests for one case (and action), in arrival order. */
  forCase(caseId: string, action?: string): ControlRequest[] {
    return this.requests.filter((r) => r.json.caseId === caseId && (!action || r.json.action === action));
  }

  performedFor(caseId: string, action?: string): ControlRequest[] {
    return this.performed.filter((r) => r.json.caseId === caseId && (!action || r.json.action === action));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const key = String(req.headers['idempotency-key'] ?? '');
    const signatureOk = verifySignature(raw, this.secret, req.headers['x-safeguards-signature'] as string | undefined);
    const r: ControlRequest = {
      key,
      body: raw.toString('utf8'),
      json: JSON.parse(raw.toString('utf8') || '{}'),
      signatureOk,
      replay: this.results.has(key),
      at: Date.now(),
    };
    this.requests.push(r);
    if (!signatureOk || !key) {
      res.writeHead(401).end('bad signature or no key');
      return;
    }
    const done = this.results.get(key);
    if (done) {
      res.writeHead(done.status, { 'content-type': 'application/json' }).end(done.body);
      return;
    }
    const a = this.answer(r);
    if ('hang' in a) {
      // Performed now; the answer comes late (or never reaches a worker that died meanwhile).
      this.results.set(key, { status: 200, body: '{"ok":true}' });
      this.performed.push(r);
      await a.hang;
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    if (a.status >= 200 && a.status < 300) {
      this.results.set(key, { status: a.status, body: a.body ?? '' });
      this.performed.push(r);
    }
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body ?? '');
  }
}
