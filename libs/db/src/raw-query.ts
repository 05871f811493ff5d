/** Anything that runs SQL: a DataSource, an EntityManager (e.g. a transaction's) or a QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The rows of one SQL statement, for the few queries a repository cannot express (set-based bulk
 * writes, UPDATE ... RETURNING, locks). TypeORM answers an UPDATE or DELETE on PostgreSQL with
 * `[rows, rowCount]` and anything else with the rows themselves; this always gives the rows.
 * Call it from a domain's own repository, on that domain's own tables.
 */
export async function rawQuery<T>(runner: SqlRunner, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const result = await runner.query(sql, [...params]);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
