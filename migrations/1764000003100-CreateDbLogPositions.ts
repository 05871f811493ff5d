import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the dbwatch log follower is in each followed log: the file it reads (device, inode and a
 * fingerprint of its first line, so that a renamed, recreated or truncated file is told apart),
 * the offset of the last complete event, and the connections that were mid-authentication there
 * (their client address is on a line before that offset). Saved after the events up to it were
 * handed over, so a restart reads nothing twice (beyond what the consumer deduplicates by offset)
 * and loses nothing.
 */
export class CreateDbLogPositions1764000003100 implements MigrationInterface {
  name = 'CreateDbLogPositions1764000003100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE db_log_positions (
        server_id text NOT NULL REFERENCES db_servers(id) ON DELETE CASCADE,
        followed text NOT NULL,
        file_path text NOT NULL,
        file_dev text NOT NULL,
        file_ino text NOT NULL,
        fingerprint text NOT NULL,
        "offset" bigint NOT NULL CHECK ("offset" >= 0),
        open_connections jsonb NOT NULL DEFAULT '[]',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (server_id, followed)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE db_log_positions`);
  }
}
