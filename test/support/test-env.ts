/** Where integration tests find the real services (the machine's own, as in CI). */
export const TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * Each test run has its own databases (sg_test_<run>_...), so runs on one machine (CI, a developer,
 * a second terminal) never drop each other's. The run id is chosen in global-setup and reaches the
 * jest workers through the environment.
 */
export function testRunId(): string {
  const id = process.env.SG_TEST_RUN;
  if (!id) throw new Error('SG_TEST_RUN is not set: integration tests must run through jest globalSetup');
  return id;
}

export const templateDb = (): string => `sg_test_${testRunId()}_template`;

export function databaseUrl(name: string): string {
  const u = new URL(TEST_PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}
