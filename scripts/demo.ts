/**
 * npm run demo — the whole story on one machine, for a newcomer:
 * starts every role in this process (PostgreSQL and Redis must run; the database
 * `safeguards_demo`, or DEMO_DATABASE_URL, is created afresh), starts a local SMTP catcher that
 * writes each mail it receives to demo-out/, loads a demo inventory, sends generated AWS VPC flow logs (an outbound SSH scan, an SSH
 * brute force against another VM, and ordinary web traffic), then lists the cases it opened and
 * the red e-mails it sent, and shows how to answer one. Ctrl-C stops it; `--exit` stops after
 * the summary.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '@sg/common';
import { InboundSmtpServer } from '@sg/mail';
import { createApp } from '../apps/safeguards/src/create-app';

/** Where caught mail is written (DEMO_OUT, default ./demo-out). */
const OUT = process.env.DEMO_OUT ?? join(process.cwd(), 'demo-out');
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

async function catcher(): Promise<{ port: number; mails: string[]; close: () => Promise<void> }> {
  const mails: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const n = mails.length + 1;
        const mail = await PostalMime.parse(raw);
        writeFileSync(join(OUT, `mail-${n}.eml`), raw);
        if (mail.html) writeFileSync(join(OUT, `mail-${n}.html`), mail.html);
        const replyTo = mail.replyTo?.[0]?.address ?? '';
        mails.push(`${join(OUT, `mail-${n}.eml`)}  ${mail.subject ?? ''}\n      Reply-To: ${replyTo}`);
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return { port, mails, close: () => new Promise((r) => server.close(() => r())) };
}

function traffic(): string {
  const t0 = Math.floor(Date.now() / 1000) - 600; // ten minutes ago: the windows are already closed
  const lines = [HEADER];
  for (let i = 0; i < 300; i++) {
    const t = t0 + Math.floor(i / 3);
    lines.push(
      `2 1 eni-scan 10.20.0.4 198.51.${100 + (i >> 8)}.${i & 255} ${40000 + i} 22 6 1 60 ${t} ${t + 1} REJECT OK`,
    );
  }
  for (let i = 0; i < 60; i++) {
    const t = t0 + i * 4;
    lines.push(`2 1 eni-ssh 203.0.113.66 10.20.0.5 ${50000 + i} 22 6 21 3400 ${t} ${t + 3} ACCEPT OK`);
    lines.push(`2 1 eni-ssh 10.20.0.5 203.0.113.66 22 ${50000 + i} 6 19 3900 ${t} ${t + 3} ACCEPT OK`);
  }
  for (let i = 0; i < 400; i++) {
    const t = t0 + (i % 240);
    const client = `192.0.2.${1 + (i % 200)}`;
    lines.push(`2 1 eni-web ${client} 10.20.0.6 ${30000 + i} 443 6 12 4000 ${t} ${t + 5} ACCEPT OK`);
    lines.push(`2 1 eni-web 10.20.0.6 ${client} 443 ${30000 + i} 6 14 60000 ${t} ${t + 5} ACCEPT OK`);
  }
  return lines.join('\n');
}

/** The demo starts from an empty database of its own each time (never the real one). */
async function freshDemoDatabase(): Promise<string> {
  const url = new URL(process.env.DEMO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/safeguards_demo');
  const name = url.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  return url.toString();
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const databaseUrl = await freshDemoDatabase();
  const smtp = await catcher();
  const token = `demo-${randomBytes(16).toString('hex')}`;
  const cfg = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    // Queues of their own per run, so jobs of an earlier demo never meet this database.
    QUEUE_PREFIX: `sgdemo-${Date.now()}`,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    MAIL_REPLY_DOMAIN: 'replies.demo.example',
    MAIL_FROM: 'safeguards@demo.example',
    INBOUND_SMTP_PORT: '0',
    NETFLOW_PORT: '0',
    SFLOW_PORT: '0',
    PORT: process.env.PORT ?? '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ADMIN_TOKEN: token,
  });
  const app = await createApp(['api', 'collector', 'worker'], cfg);
  await app.listen(cfg.PORT, cfg.HOST);
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const call = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': type } : {}) },
      body,
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as unknown };
  };
  await call(
    'POST',
    '/api/v1/inventory/import',
    JSON.stringify({
      subscriptions: [{ id: 'demo-sub', name: 'Demo Customer', contacts: ['owner@customer.example'] }],
      deployments: [{ id: 'demo-dep', subscriptionId: 'demo-sub', name: 'shop' }],
      vms: [
        {
          id: 'vm-build-agent',
          deploymentId: 'demo-dep',
          name: 'build-agent',
          addresses: [{ ip: '10.20.0.4', from: '2020-01-01T00:00:00Z' }],
        },
        {
          id: 'vm-bastion',
          deploymentId: 'demo-dep',
          name: 'bastion',
          addresses: [{ ip: '10.20.0.5', from: '2020-01-01T00:00:00Z' }],
        },
        {
          id: 'vm-web-1',
          deploymentId: 'demo-dep',
          name: 'web-1',
          addresses: [{ ip: '10.20.0.6', from: '2020-01-01T00:00:00Z' }],
        },
      ],
    }),
  );
  const ingest = await call('POST', '/api/v1/flows/aws-vpc', traffic(), 'text/plain');
  console.log(`\nflows sent: ${JSON.stringify(ingest.body)}`);

  const deadline = Date.now() + 30_000;
  let cases: {
    id: string;
    vmId: string;
    role: string;
    kind: string;
    severity: string;
    status: string;
    deadlineAt: string | null;
  }[] = [];
  while (Date.now() < deadline) {
    const r = await call('GET', `/api/v1/cases?subscriptionId=demo-sub&limit=50`);
    cases = (r.body as typeof cases) ?? [];
    if (cases.length >= 2 && smtp.mails.length >= 2) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log('\ncases opened:');
  console.table(
    cases.map((c) => ({
      vm: c.vmId,
      role: c.role,
      kind: c.kind,
      severity: c.severity,
      status: c.status,
      deadline: c.deadlineAt,
    })),
  );
  console.log(`\nred e-mails (open the .html files in a browser):\n  ${smtp.mails.join('\n  ') || '(none yet)'}`);
  const inbound = app.get(InboundSmtpServer).port;
  console.log(`
How to answer a red e-mail: reply to its Reply-To address (case+<token>@replies.demo.example),
for example with swaks (Debian package swaks) to the built-in receiver on port ${inbound}:
  swaks --server 127.0.0.1 --port ${inbound} --from owner@customer.example --to '<Reply-To of the mail>' \\
        --header 'Subject: Re: <subject>' --body 'Please give us 48 more hours, we are rebuilding the VM.'
Then see the case:  curl -s -H 'Authorization: Bearer ${token}' ${url}/api/v1/cases/<id>
The console in a browser: ${url}/console (sign in with the token above)
API docs: ${url}/api/docs   (token above; Ctrl-C stops the demo)
`);
  if (process.argv.includes('--exit')) {
    await app.close();
    await smtp.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
