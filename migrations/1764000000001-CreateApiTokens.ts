import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API tokens: only a SHA-256 of the token is kept; the token itself is shown once at creation. */
export class CreateApiTokens1764000000001 implements MigrationInterface {
  name = 'CreateApiTokens1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'responder', 'ingest')),
        token_hash char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
  }
}
