import { Pool } from 'pg';
import { DbLogFollowerService, LoginEventOutlet, type LoginEvent } from '@sg/dbwatch';
import { startPgCluster, type PgCluster } from '../support/pg-cluster';
import { createTestDatabase } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PW = 'a long enough password';

/**
 * The collector follows the log directory of a real PostgreSQL 15 (DBWATCH_FOLLOW) while clients
 * log in from chosen loopback addresses, and the server rotates its log file in between.
 */
describe('collector following a real PostgreSQL 15 log (DBWATCH_FOLLOW)', () => {
  let pg: PgCluster;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  const got: LoginEvent[] = [];

  beforeAll(async () => {
    pg = await startPgCluster({ format: 'stderr', settings: { log_filename: 'postgresql-%H%M%S.log' } });
    await pg.admin(`CREATE ROLE alice LOGIN PASSWORD '${PW}'`);
    db = await createTestDatabase();
    const pool = new Pool({ connectionString: db.url });
    await pool.query(`INSERT INTO subscriptions (id, name) VALUES ('s1', 'S1')`);
    await pool.query(
      `INSERT INTO db_servers (id, subscription_id, name, log_format) VALUES ('pg-real', 's1', 'r', 'stderr')`,
    );
    await pool.end();
    t = await startTestApp({
      roles: ['collector'],
      databaseUrl: db.url,
      env: { DBWATCH_FOLLOW: `pg-real=${pg.logDir}`, DBWATCH_FOLLOW_POLL: '100ms' },
    });
    t.app.get(LoginEventOutlet).consumer = {
      consume: async (_id, _src, events) => {
        got.push(...events);
      },
    };
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await pg?.stop();
  });

  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 150 && !pred(); i++) await sleep(100);
  };
  const mine = () => got.filter((e) => e.clientIp.startsWith('127.0.0.') && e.kind !== 'connect');

  it('turns logins into events as they happen, across a log rotation', async () => {
    expect(await pg.login({ user: 'alice', password: 'wrong', localAddress: '127.0.0.21' })).toBe(false);
    expect(await pg.login({ user: 'nobody', password: 'x', localAddress: '127.0.0.22' })).toBe(false);
    await waitFor(() => mine().length >= 2);
    await sleep(1100); // a new file name (the name has the time to the second)
    await pg.admin(`SELECT pg_rotate_logfile()`);
    await sleep(300);
    expect(await pg.login({ user: 'alice', password: PW, application: 'sqlmap/1.7', localAddress: '127.0.0.23' })).toBe(
      true,
    );
    await waitFor(() => mine().length >= 4);
    expect(mine().map((e) => [e.kind, e.clientIp, e.user, e.invalidUser, e.application])).toEqual([
      ['login-failed', '127.0.0.21', 'alice', false, ''],
      ['login-failed', '127.0.0.22', 'nobody', true, ''],
      ['login-ok', '127.0.0.23', 'alice', false, 'sqlmap/1.7'],
      ['disconnect', '127.0.0.23', 'alice', false, ''],
    ]);
    const [follower] = t.app.get(DbLogFollowerService).followers;
    expect(follower.stats.rotations).toBe(1);
    expect(follower.stats.rejected).toBe(0);
  });
});
