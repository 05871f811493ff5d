import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { LoginEvent } from '@sg/dbwatch';
import { LogFollower, type FollowTarget } from '../../libs/dbwatch/src/ingest/log-follower';
import { LogPositionStore } from '../../libs/dbwatch/src/ingest/log-position.store';
import { ReadBuffers } from '../../libs/dbwatch/src/ingest/read-buffers';
import { createTestDatabase } from '../support/test-db';
import { connectionLines, connections, expectedKeys, range } from './support/login-lines';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dbwatch log follower', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let store: LogPositionStore;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 4 });
    await pool.query(`INSERT INTO subscriptions (id, name) VALUES ('s1', 'S1')`);
    await pool.query(
      `INSERT INTO db_servers (id, subscription_id, name, log_format) VALUES ('pg-a', 's1', 'a', 'stderr'),
         ('pg-b', 's1', 'b', 'stderr'), ('pg-c', 's1', 'c', 'stderr')`,
    );
    store = new LogPositionStore(async (sql, params) => (await pool.query(sql, params)).rows);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sg-follow-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function collecting(target: FollowTarget) {
    const keys: string[] = [];
    const events: LoginEvent[] = [];
    const follower = new LogFollower(
      target,
      store,
      async (_s, _src, evs) => {
        for (const e of evs) {
          keys.push(`${e.kind}:${e.clientPort}`);
          events.push(e);
        }
      },
      { chunkBytes: 1000, batch: 10 },
    );
    const drain = async () => {
      for (let quiet = 0; quiet < 3;) quiet = (await follower.poll()) > 0 ? 0 : quiet + 1;
    };
    return { follower, keys, events, drain };
  }

  it('follows a file across rename-and-create and copytruncate rotation, each event once', async () => {
    const path = join(dir, 'postgresql.log');
    writeFileSync(path, connections(0, 100));
    const { follower, keys, events, drain } = collecting({
      serverId: 'pg-a',
      path,
      format: 'stderr',
      linePrefix: null,
    });
    await drain();
    expect([...keys].sort()).toEqual(expectedKeys(range(0, 100)));

    // rename: the server still writes a little into the old file, and connection 150 is split
    // across the two (its address on the old file's last line, its login in the new file).
    renameSync(path, path + '.1');
    appendFileSync(path + '.1', connections(100, 110));
    const split = connectionLines(150);
    appendFileSync(path + '.1', split[0]);
    writeFileSync(path, split.slice(1).join('') + connections(110, 150));
    await drain();

    // copytruncate: part of the file is read, more is written, then copied away and truncated.
    appendFileSync(path, connections(151, 170));
    await drain();
    appendFileSync(path, connections(170, 180));
    copyFileSync(path, path + '.2');
    truncateSync(path, 0);
    appendFileSync(path, connections(180, 200));
    await drain();

    expect([...keys].sort()).toEqual(expectedKeys(range(0, 200)));
    expect(follower.stats).toMatchObject({ rotations: 1, truncations: 1, lostFiles: 0 });
    const joined = events.find((e) => e.kind === 'login-ok' && e.clientPort === 10150);
    expect(joined?.clientIp).toBe('10.0.0.150');
    expect(events.filter((e) => e.kind === 'login-failed').every((e) => e.invalidUser && e.clientIp)).toBe(true);

    // A new follower on the same log starts where the first one stopped: nothing is read twice.
    await follower.stop();
    const again = collecting({ serverId: 'pg-a', path, format: 'stderr', linePrefix: null });
    appendFileSync(path, connections(200, 210));
    await again.drain();
    expect([...again.keys].sort()).toEqual(expectedKeys(range(200, 210)));
    await again.follower.stop();

    // Rotated while no follower ran: copytruncate, then rename-and-create.
    appendFileSync(path, connections(210, 220));
    copyFileSync(path, path + '.3');
    truncateSync(path, 0);
    appendFileSync(path, connections(220, 230));
    const third = collecting({ serverId: 'pg-a', path, format: 'stderr', linePrefix: null });
    await third.drain();
    expect([...third.keys].sort()).toEqual(expectedKeys(range(210, 230)));
    expect(third.follower.stats.truncations).toBe(1);
    await third.follower.stop();
    appendFileSync(path, connections(230, 240));
    renameSync(path, path + '.4');
    writeFileSync(path, connections(240, 250));
    const fourth = collecting({ serverId: 'pg-a', path, format: 'stderr', linePrefix: null });
    await fourth.drain();
    expect([...fourth.keys].sort()).toEqual(expectedKeys(range(230, 250)));
    expect(fourth.follower.stats).toMatchObject({ rotations: 1, lostFiles: 0 });
    await fourth.follower.stop();
  });

  it('follows a directory of files the logging collector starts one after another', async () => {
    writeFileSync(join(dir, 'postgresql-2026-12-06_030000.log'), connections(0, 40));
    const { follower, keys, drain } = collecting({ serverId: 'pg-b', path: dir, format: 'stderr', linePrefix: null });
    await drain();
    await sleep(20);
    writeFileSync(join(dir, 'postgresql-2026-12-06_040000.log'), connections(40, 80));
    writeFileSync(join(dir, 'postgresql-2026-12-06_040000.csv'), 'not for this follower\n');
    await drain();
    await sleep(20);
    writeFileSync(join(dir, 'postgresql-2026-12-06_050000.log'), connections(80, 90));
    await drain();
    expect([...keys].sort()).toEqual(expectedKeys(range(0, 90)));
    expect(follower.stats.rotations).toBe(2);
    await follower.stop();
  });

  it('waits for a just-created log file to get its first line before switching to it', async () => {
    // The logging collector creates the new file at rotation and writes into it a moment later;
    // a poll in between must neither switch to the empty file nor lose the old one.
    writeFileSync(join(dir, 'postgresql-2026-12-06_030000.log'), connections(0, 20));
    const { follower, keys, drain } = collecting({ serverId: 'pg-b', path: dir, format: 'stderr', linePrefix: null });
    await drain();
    await sleep(20);
    const next = join(dir, 'postgresql-2026-12-06_040000.log');
    writeFileSync(next, '');
    await drain();
    expect(follower.stats.rotations).toBe(0);
    appendFileSync(next, connections(20, 30));
    await drain();
    expect([...keys].sort()).toEqual(expectedKeys(range(0, 30)));
    expect(follower.stats.rotations).toBe(1);
    await follower.stop();

    // The same for a file rotated by rename-and-create.
    const path = join(dir, 'single.log');
    writeFileSync(path, connections(100, 110));
    const one = collecting({ serverId: 'pg-c', path, format: 'stderr', linePrefix: null });
    await one.drain();
    renameSync(path, path + '.1');
    writeFileSync(path, '');
    await one.drain();
    appendFileSync(path, connections(110, 120));
    await one.drain();
    expect([...one.keys].sort()).toEqual(expectedKeys(range(100, 120)));
    expect(one.follower.stats).toMatchObject({ rotations: 1, lostFiles: 0 });
    await one.follower.stop();
  });

  it('followers sharing one read buffer each read their own log whole', async () => {
    const pool = new ReadBuffers(1, 1000);
    const runs = ['pg-a', 'pg-b', 'pg-c'].map((serverId, k) => {
      const path = join(dir, `shared-${k}.log`);
      writeFileSync(path, connections(k * 100, k * 100 + 60));
      const keys: string[] = [];
      const follower = new LogFollower(
        { serverId, path, format: 'stderr', linePrefix: null },
        store,
        async (_s, _src, evs) => {
          for (const e of evs) keys.push(`${e.kind}:${e.clientPort}`);
        },
        { buffers: pool, batch: 10 },
      );
      return { follower, keys, k };
    });
    // All three poll at once: their reads queue for the one buffer.
    for (let round = 0; round < 4; round++) await Promise.all(runs.map((r) => r.follower.poll()));
    for (const { keys, k } of runs) expect([...keys].sort()).toEqual(expectedKeys(range(k * 100, k * 100 + 60)));
    expect(pool.allocated).toBe(1);
    for (const r of runs) await r.follower.stop();
  });

  it('hands a batch over again when the consumer failed, and loses nothing', async () => {
    const path = join(dir, 'pg.log');
    writeFileSync(path, connections(0, 30));
    const keys: string[] = [];
    let failures = 0;
    let held = 0;
    const follower = new LogFollower(
      { serverId: 'pg-b', path, format: 'stderr', linePrefix: null },
      store,
      async (_s, _src, evs) => {
        if (failures < 5) {
          failures++;
          held = Math.max(held, evs.length);
          throw new Error('analysis is down');
        }
        for (const e of evs) keys.push(`${e.kind}:${e.clientPort}`);
      },
      { chunkBytes: 1000, batch: 10 },
    );
    for (let i = 0; i < 20; i++) await follower.poll().catch(() => undefined);
    expect(failures).toBe(5);
    // While the consumer is down, reading stops: no more than one batch and one read wait.
    expect(held).toBeLessThan(10 + 20);
    expect([...keys].sort()).toEqual(expectedKeys(range(0, 30)));
    await follower.stop();
  });

  it('survives kill -9 mid-file and rotation: every event stored once, none lost', async () => {
    await pool.query(`CREATE TABLE follow_events (source text, off bigint, kind text, port int, invalid_user bool,
                        ip text, PRIMARY KEY (source, off))`);
    await pool.query(`CREATE TABLE follow_redelivered (n int NOT NULL)`);
    await pool.query(`INSERT INTO follow_redelivered VALUES (0)`);
    const path = join(dir, 'postgresql.log');
    writeFileSync(path, '');
    let child: ChildProcess | null = null;
    const startChild = () => {
      child = spawn(
        process.execPath,
        [
          '-r',
          'ts-node/register/transpile-only',
          '-r',
          'tsconfig-paths/register',
          join(__dirname, 'support/follow-child.ts'),
        ],
        {
          cwd: join(__dirname, '../..'),
          env: { ...process.env, DATABASE_URL: db.url, FOLLOW_PATH: path, SERVER_ID: 'pg-c' },
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
    };
    const count = async () => Number((await pool.query(`SELECT count(*) FROM follow_events`)).rows[0].count);
    const kill9 = async () => {
      const c = child as ChildProcess | null;
      if (!c) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    };
    const TOTAL = 1200;
    try {
      startChild();
      let kills = 0;
      for (let k = 0; k < TOTAL; k += 40) {
        appendFileSync(path, connections(k, k + 40));
        if (k === 600) {
          renameSync(path, path + '.1');
          writeFileSync(path, '');
        }
        await sleep(60);
        // ts-node takes a while to start on a busy machine: let the first child get going.
        for (let w = 0; k === 0 && w < 300 && (await count()) === 0; w++) await sleep(100);
        // kill -9 three times while the child is reading
        if (k === 280 || k === 640 || k === 960) {
          // the child (restarted or not) is storing events right now
          const before = await count();
          for (let w = 0; w < 300 && (await count()) === before; w++) await sleep(20);
          await kill9();
          kills++;
          startChild();
        }
      }
      const want = expectedKeys(range(0, TOTAL));
      const deadline = Date.now() + 90_000;
      while ((await count()) < want.length && Date.now() < deadline) await sleep(200);
      await sleep(500);
      const rows = (await pool.query(`SELECT kind, port, invalid_user, ip FROM follow_events`)).rows as {
        kind: string;
        port: number;
        invalid_user: boolean;
        ip: string;
      }[];
      expect(kills).toBe(3);
      // Each event exactly once (a duplicate under another source would show here), none lost.
      expect(rows.map((r) => `${r.kind}:${r.port}`).sort()).toEqual(want);
      expect(rows.every((r) => r.ip.startsWith('10.0.'))).toBe(true);
      expect(rows.filter((r) => r.kind === 'login-failed').every((r) => r.invalid_user)).toBe(true);
      const redelivered = Number((await pool.query(`SELECT n FROM follow_redelivered`)).rows[0].n);
      // At most what was handed over after the last saved position when each kill came: one hand-over,
      // i.e. under a batch (25) plus the events of one 4 KB read (< 75).
      expect(redelivered).toBeLessThanOrEqual(3 * 100);
      if (process.env.FOLLOW_TEST_VERBOSE) console.log({ redelivered, stored: rows.length });
    } finally {
      await kill9();
    }
  }, 180_000);
});
