/**
 * One login-related event of a managed PostgreSQL server, as the log parsers emit it after joining
 * the lines of one connection (by process id, or session id where the prefix has no pid).
 *
 * The contract between log ingestion (parsers, joiner, follower, upload endpoint) and analysis
 * (baselines, detectors, alerts, the stored login events). Parsers emit through a sink with ONE
 * reused object per parser: a sink that keeps an event past the call must copy it (`copyLoginEvent`).
 * That keeps the parsing hot path free of per-line objects.
 */
export type LoginEventKind =
  /** `connection received: host=... port=...` — the only line with the client address under Debian's prefix. */
  | 'connect'
  /** `connection authorized: user=... database=... [application_name=...]` — a successful login. */
  | 'login-ok'
  /** FATAL 28P01 (password authentication failed) and other authentication failures (28000 with a password). */
  | 'login-failed'
  /** FATAL 28000 `no pg_hba.conf entry for host ...`: refused before any password. */
  | 'hba-rejected'
  /** `disconnection: session time: ... user=... database=... host=...`. */
  | 'disconnect';

export interface LoginEvent {
  serverId: string;
  kind: LoginEventKind;
  /** Event time (the log line's own timestamp), epoch milliseconds. */
  at: number;
  /** Process id of the backend, or 0 when the format has none. */
  pid: number;
  /** `%c` session id when the format has one, else ''. */
  sessionId: string;
  /** Client address, '' when not known (a local socket, or not joined to a `connection received`). */
  clientIp: string;
  clientPort: number;
  /** Login role name as the client sent it ('' when not known). */
  user: string;
  database: string;
  /** application_name: only on `connection authorized` and only if the client sent one; else ''. */
  application: string;
  /** SQLSTATE of a failure ('28P01', '28000', ...), '' otherwise. */
  sqlState: string;
  /** A 28P01 whose DETAIL says `Role "x" does not exist.` */
  invalidUser: boolean;
  /** Authentication method named by the server (`scram-sha-256`, `md5`, `trust`, ...), '' when not given. */
  authMethod: string;
  /** Session length for `disconnect`, ms; 0 otherwise. */
  sessionMs: number;
}

export interface LoginEventSink {
  /** Called once per event; `e` is reused by the caller after this returns. */
  onEvent(e: Readonly<LoginEvent>): void;
}

/** A zeroed event, for a parser's one reused object. */
export function emptyLoginEvent(serverId = ''): LoginEvent {
  return {
    serverId,
    kind: 'connect',
    at: 0,
    pid: 0,
    sessionId: '',
    clientIp: '',
    clientPort: 0,
    user: '',
    database: '',
    application: '',
    sqlState: '',
    invalidUser: false,
    authMethod: '',
    sessionMs: 0,
  };
}

export function copyLoginEvent(e: Readonly<LoginEvent>): LoginEvent {
  return { ...e };
}

/**
 * Where ingestion hands joined events to analysis (the port belongs to ingestion, its caller;
 * analysis provides it). `source` names where the lines came from and `offsets` (parallel to
 * `events`) the byte offset of each event's first line in it, so that a follower which re-reads
 * after a crash can be deduplicated: (serverId, source, offset) is unique. Uploads without a
 * stable source pass source '' and get no deduplication. Resolves once the events are stored.
 */
export interface LoginEventConsumer {
  consume(serverId: string, source: string, events: readonly LoginEvent[], offsets: readonly number[]): Promise<void>;
}
export const LOGIN_EVENT_CONSUMER = Symbol('LOGIN_EVENT_CONSUMER');
