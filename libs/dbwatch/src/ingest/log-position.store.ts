import type { OpenConnection } from './login-joiner';

/** Where the follower is in one followed log (table db_log_positions). */
export interface LogPosition {
  /** The file being read when the position was saved (its path then; it may have been renamed since). */
  filePath: string;
  dev: string;
  ino: string;
  /** Hash of the file's first line: tells a truncated-and-rewritten file from the one read. */
  fingerprint: string;
  /** Offset of the first byte not yet fully handed over (start of a partial or held-back record). */
  offset: number;
  /** Connections mid-authentication at that offset (their address was on an earlier line). */
  open: OpenConnection[];
}

export type Query = (sql: string, params: unknown[]) => Promise<unknown[]>;

/** Positions in PostgreSQL, through whatever runs the query (TypeORM's DataSource or a pg Pool). */
export class LogPositionStore {
  constructor(private readonly query: Query) {}

  async load(serverId: string, followed: string): Promise<LogPosition | null> {
    const rows = (await this.query(
      `SELECT file_path, file_dev, file_ino, fingerprint, "offset", open_connections
         FROM db_log_positions WHERE server_id = $1 AND followed = $2`,
      [serverId, followed],
    )) as {
      file_path: string;
      file_dev: string;
      file_ino: string;
      fingerprint: string;
      offset: string;
      open_connections: OpenConnection[];
    }[];
    const r = rows[0];
    if (!r) return null;
    return {
      filePath: r.file_path,
      dev: r.file_dev,
      ino: r.file_ino,
      fingerprint: r.fingerprint,
      offset: Number(r.offset),
      open: r.open_connections,
    };
  }

  async save(serverId: string, followed: string, p: LogPosition): Promise<void> {
    await this.query(
      `INSERT INTO db_log_positions (server_id, followed, file_path, file_dev, file_ino, fingerprint, "offset", open_connections, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT (server_id, followed) DO UPDATE SET file_path = $3, file_dev = $4, file_ino = $5,
         fingerprint = $6, "offset" = $7, open_connections = $8, updated_at = now()`,
      [serverId, followed, p.filePath, p.dev, p.ino, p.fingerprint, p.offset, JSON.stringify(p.open)],
    );
  }
}
