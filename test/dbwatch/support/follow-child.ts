/**
 * A follower in its own process, for the kill -9 test: follows FOLLOW_PATH for server SERVER_ID,
 * positions in DATABASE_URL, and stores every event it hands over in follow_events keyed by
 * (source, offset) as the real consumer is (redeliveries after a crash counted in follow_redelivered).
 */
import { Pool } from 'pg';
import { LogFollower } from '../../../libs/dbwatch/src/ingest/log-follower';
import { LogPositionStore } from '../../../libs/dbwatch/src/ingest/log-position.store';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const store = new LogPositionStore(async (sql, params) => (await pool.query(sql, params)).rows);
const follower = new LogFollower(
  { serverId: process.env.SERVER_ID!, path: process.env.FOLLOW_PATH!, format: 'stderr', linePrefix: null },
  store,
  async (serverId, source, events, offsets) => {
    const r = await pool.query(
      `INSERT INTO follow_events (source, off, kind, port, invalid_user, ip)
       SELECT $1, o, k, p, i, ip FROM unnest($2::bigint[], $3::text[], $4::int[], $5::bool[], $6::text[]) AS t(o, k, p, i, ip)
       ON CONFLICT DO NOTHING`,
      [
        source,
        offsets,
        events.map((e) => e.kind),
        events.map((e) => e.clientPort),
        events.map((e) => e.invalidUser),
        events.map((e) => e.clientIp),
      ],
    );
    const again = events.length - (r.rowCount ?? 0);
    if (again > 0) await pool.query(`UPDATE follow_redelivered SET n = n + $1`, [again]);
  },
  { pollMs: 20, chunkBytes: 4096, batch: 25, onError: (err) => console.error('follower:', err) },
);
follower.start();
process.on(
  'SIGTERM',
  () =>
    void follower
      .stop()
      .then(() => pool.end())
      .then(() => process.exit(0)),
);
