import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { swaks } from '../mail/support/swaks';
import { waitFor } from '../mail/support/wait-for';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm run demo` as the README tells a newcomer to use it: it prints the cases and red e-mails,
 * then they answer one with the printed swaks command and look at the case with the printed
 * token. Runs the script itself (ts-node), against PostgreSQL and Redis, with a database of its own.
 */
describe('npm run demo (the README walk-through)', () => {
  const out = mkdtempSync(join(tmpdir(), 'sg-demo-out-'));
  const dbName = `sg_demo_test_${process.pid}`;
  const dbUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
  let proc: ChildProcess;
  let stdout = '';

  beforeAll(async () => {
    proc = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/demo.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, DEMO_OUT: out, DEMO_DATABASE_URL: dbUrl, LOG_LEVEL: 'error', PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    proc.stdout!.on('data', (d) => (stdout += String(d)));
    proc.stderr!.on('data', (d) => (stdout += String(d)));
    await waitFor(() => stdout.includes('API docs:') || proc.exitCode !== null, 90_000, 'the demo summary');
    if (proc.exitCode !== null) throw new Error(`demo exited ${proc.exitCode}:\n${stdout}`);
  }, 120_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
    const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await c.end();
  });

  it('opens a source case for the scanning VM and a target case for the attacked one, none for ordinary web traffic', () => {
    expect(stdout).toContain('"accepted":1220');
    expect(stdout).toMatch(/'vm-build-agent'\s*│\s*'source'\s*│\s*'port-scan'/);
    expect(stdout).toMatch(/'vm-bastion'\s*│\s*'target'\s*│\s*'brute-force'/);
    expect(stdout).not.toContain('vm-web-1');
  });

  it('writes the red e-mails it caught, as .eml and .html', () => {
    for (const f of ['mail-1.eml', 'mail-1.html', 'mail-2.eml', 'mail-2.html'])
      expect(existsSync(join(out, f))).toBe(true);
    const eml = readFileSync(join(out, 'mail-1.eml'), 'utf8') + readFileSync(join(out, 'mail-2.eml'), 'utf8');
    expect(eml).toMatch(/^To: .*owner@customer\.example/m);
    expect(eml).toMatch(/^Reply-To: .*case\+[a-z2-7]{26}@replies\.demo\.example/m);
  });

  it('the printed swaks command answers the port-scan mail, and the printed token shows the deadline moved by 48 h', async () => {
    const port = Number(/--port (\d+) --from/.exec(stdout)?.[1]);
    const mail = /(\S+\.eml)\s+(\[SG-\d+\][^\n]*port scan[^\n]*)\n\s+Reply-To: (\S+)/.exec(stdout);
    const token = /Bearer (demo-[0-9a-f]+)/.exec(stdout)?.[1];
    const api = /API docs: (http:\/\/127\.0\.0\.1:\d+)\/api\/docs/.exec(stdout)?.[1];
    expect(port).toBeGreaterThan(0);
    expect(mail).not.toBeNull();
    expect(token).toBeDefined();
    expect(api).toBeDefined();
    const [, , subject, replyTo] = mail!;
    const get = async (path: string) => {
      const res = await fetch(api + path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const list = (await get('/api/v1/cases?subscriptionId=demo-sub&limit=50')) as unknown as {
      id: string;
      kind: string;
      deadlineAt: string;
    }[];
    const scan = list.find((c) => c.kind === 'port-scan')!;
    const before = Date.parse(scan.deadlineAt);

    const sent = await swaks(port, [
      '--from',
      'owner@customer.example',
      '--to',
      replyTo,
      '--header',
      `Subject: Re: ${subject}`,
      '--body',
      'Please give us 48 more hours, we are rebuilding the VM.',
    ]);
    expect(sent.code).toBe(0);

    const after = await waitFor(
      async () => {
        const c = await get(`/api/v1/cases/${scan.id}`);
        return (c.extensions as { count: number }).count === 1 ? c : undefined;
      },
      20_000,
      'the extension on the case',
    );
    expect(Date.parse(after!.deadlineAt as string) - before).toBe(48 * 3_600_000);
  });

  it('Ctrl-C (SIGINT) stops it', async () => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000))]);
    expect(code).not.toBe('running');
  });
});
