import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './redis-server';

/**
 * A throw-away PostgreSQL 15 cluster (Debian's pg_createcluster) on a spare port, logging
 * connections and disconnections in one log format, so tests and the fixture generator see what a
 * real server writes. TCP logins use scram-sha-256; the local socket is trusted for setup.
 * Everything (data, socket, log) lives under one /tmp directory removed by stop().
 */
export type PgLogFormat = 'stderr' | 'csvlog' | 'jsonlog';

export interface PgClusterOptions {
  format: PgLogFormat;
  /** log_line_prefix (stderr); default Debian's `%m [%p] %q%u@%d `. */
  linePrefix?: string;
  port?: number;
  /** pg_hba.conf `host` lines; default: scram-sha-256 from 127.0.0.0/24 only (127.0.1.x gets no entry). */
  hostRules?: string[];
  /** More postgresql.conf settings. */
  settings?: Record<string, string>;
}

export interface PgLoginOptions {
  user: string;
  password: string;
  database?: string;
  application?: string;
  /** Source address to bind (127.0.0.x); default the kernel's choice. */
  localAddress?: string;
}

export interface PgCluster {
  name: string;
  port: number;
  format: PgLogFormat;
  logDir: string;
  /** The log file PostgreSQL writes (log_filename with the format's extension). */
  logFile: string;
  /** SQL as the superuser over the trusted local socket. */
  admin(sql: string): Promise<void>;
  /** One TCP login; resolves true when authorized (the connection is closed again), false when refused. */
  login(o: PgLoginOptions): Promise<boolean>;
  /** A TCP connection kept open, for tests that need a session in progress. */
  connect(o: PgLoginOptions): Promise<Client>;
  stop(): Promise<void>;
}

export const PG_VERSION = '15';
const EXT: Record<PgLogFormat, string> = { stderr: 'log', csvlog: 'csv', jsonlog: 'json' };

function quoteConf(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** pg's `stream` option: a socket that binds `localAddress` before it connects. */
function boundSocket(localAddress: string): () => Socket {
  return () => {
    const s = new Socket();
    const connect = s.connect.bind(s) as (o: { port: number; host: string; localAddress: string }) => Socket;
    (s as unknown as { connect: (port: number, host: string) => Socket }).connect = (port: number, host: string) =>
      connect({ port, host, localAddress });
    return s;
  };
}

export async function startPgCluster(opts: PgClusterOptions): Promise<PgCluster> {
  const port = opts.port ?? (await freePort());
  const name = `sgt_${process.pid}_${randomBytes(3).toString('hex')}`;
  const root = `/tmp/sg-pg-${name}`;
  const logDir = join(root, 'log');
  const sockDir = join(root, 'sock');
  const asRoot = process.getuid?.() === 0;
  mkdirSync(logDir, { recursive: true });
  mkdirSync(sockDir, { recursive: true });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const d of [root, logDir, sockDir]) chownSync(d, uid, gid);
  }
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    log_connections: 'on',
    log_disconnections: 'on',
    log_destination: opts.format,
    logging_collector: 'on',
    log_directory: logDir,
    log_filename: 'postgresql.log',
    log_rotation_age: '0',
    log_rotation_size: '0',
    log_timezone: 'UTC',
    log_line_prefix: opts.linePrefix ?? '%m [%p] %q%u@%d ',
    password_encryption: 'scram-sha-256',
    ...opts.settings,
  };
  const args = ['-q', PG_VERSION, name, '-p', String(port), '-d', join(root, 'data'), '-s', sockDir];
  args.push('--start-conf=manual');
  args.push('--', '--auth-local=trust', '--auth-host=scram-sha-256');
  execFileSync('pg_createcluster', args, { stdio: 'pipe' });
  const conf = Object.entries(settings).map(([k, v]) => `${k} = ${quoteConf(v)}`);
  appendFileSync(`/etc/postgresql/${PG_VERSION}/${name}/postgresql.conf`, `\n# test settings\n${conf.join('\n')}\n`);
  const hostRules = opts.hostRules ?? ['host all all 127.0.0.0/24 scram-sha-256'];
  writeFileSync(
    `/etc/postgresql/${PG_VERSION}/${name}/pg_hba.conf`,
    ['local all all trust', ...hostRules, ''].join('\n'),
  );
  let stopped = false;
  const drop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync('pg_dropcluster', ['--stop', PG_VERSION, name], { stdio: 'pipe' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  try {
    execFileSync('pg_ctlcluster', [PG_VERSION, name, 'start'], { stdio: 'pipe' });
  } catch (err) {
    drop();
    throw err;
  }
  const admin = async (sql: string): Promise<void> => {
    const c = new Client({ host: sockDir, port, user: 'postgres', database: 'postgres' });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const connect = async (o: PgLoginOptions): Promise<Client> => {
    const c = new Client({
      host: '127.0.0.1',
      port,
      user: o.user,
      password: o.password,
      database: o.database ?? 'postgres',
      application_name: o.application,
      stream: o.localAddress ? boundSocket(o.localAddress) : undefined,
    });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  return {
    name,
    port,
    format: opts.format,
    logDir,
    get logFile() {
      const files = readdirSync(logDir).filter((f) => f.endsWith(`.${EXT[opts.format]}`));
      return join(logDir, files[0] ?? `postgresql.${EXT[opts.format]}`);
    },
    admin,
    connect,
    async login(o) {
      try {
        const c = await connect(o);
        await c.end();
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      drop();
    },
  };
}
