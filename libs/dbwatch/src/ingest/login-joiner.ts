import { emptyLoginEvent, type LoginEvent, type LoginEventKind } from '../events/login-event';
import { bytesEqual, indexOfBytes, LogRecord, Severity } from './log-record';

/**
 * Turns log records into login events and joins the lines of one connection.
 *
 * Under a prefix without %h/%r only `connection received: host=... port=...` names the client,
 * so the joiner remembers it per connection (by pid, or by %c session id where there is no pid)
 * until that connection's `connection authorized` or authentication failure, and puts it on
 * those events. At most `maxOpen` connections are remembered; past that the oldest is forgotten
 * (counted in `evicted`). A stderr failure waits for the DETAIL record that follows it (it says
 * `Role "x" does not exist.` for an unknown user) and is emitted when the next record starts.
 *
 * Records that are not about logins are looked at only as far as their first message bytes.
 * Strings are made only for the events emitted, into ONE reused event object.
 */
export interface IngestSink {
  /** `e` is reused after the call; `offset` is the byte offset of the event's first line. */
  onEvent(e: Readonly<LoginEvent>, offset: number): void;
}

export interface JoinerStats {
  /** Connections forgotten because `maxOpen` were already remembered. */
  evicted: number;
  /** A new connection on a pid/session still remembered (its login line was never seen). */
  abandoned: number;
  /** Connections forgotten because they did not log in within the longest authentication_timeout. */
  expired: number;
  events: number;
}

/** A remembered connection: state of the open connections, also saved in follower checkpoints. */
export interface OpenConnection {
  key: number;
  ip: string;
  port: number;
  method: string;
  at: number;
}

const w = (s: string): Buffer => Buffer.from(s, 'latin1');
const M_RECEIVED = w('connection received: host=');
const M_AUTHENTICATED = w('connection authenticated: ');
const M_AUTHORIZED = w('connection authorized: user=');
const M_REPL_AUTHORIZED = w('replication connection authorized: user=');
const M_DISCONNECTION = w('disconnection: session time: ');
const M_PASSWORD_FAILED = w('password authentication failed for user "');
const M_AUTH_FAILED = w(' authentication failed for user "');
const M_NO_HBA = w('no pg_hba.conf entry for host "');
const M_HBA_REJECTS = w('pg_hba.conf rejects connection for host "');
const M_ROLE = w('Role "');
const M_NOT_EXIST = w('" does not exist.');
const M_MATCHED = w('Connection matched pg_hba.conf line ');
const F_PORT = w(' port=');
const F_METHOD = w(' method=');
const F_DATABASE = w(' database=');
const F_APP = w(' application_name=');
const F_SSL = w(' SSL enabled (');
const F_GSS = w(' GSS (');
const F_USER = w(' user=');
const F_HOST = w(' host=');
const Q_USER = w(', user "');
const Q_DATABASE = w(', database "');
const LOCAL = w('[local]');
const UNKNOWN = w('[unknown]');

/** PostgreSQL's largest authentication_timeout (600 s): no login line comes later than this. */
const AUTH_TIMEOUT_MAX_MS = 600_000;

/** Methods named in `connection authenticated` and pg_hba.conf, as constant strings. */
const METHODS = [
  'scram-sha-256',
  'md5',
  'password',
  'trust',
  'peer',
  'ident',
  'cert',
  'ldap',
  'radius',
  'gss',
  'sspi',
  'pam',
  'bsd',
  'reject',
];
const METHOD_BYTES = METHODS.map(w);

export class LoginJoiner {
  readonly stats: JoinerStats = { evicted: 0, abandoned: 0, expired: 0, events: 0 };
  private readonly open = new Map<number, OpenConnection>();
  private readonly pool: OpenConnection[] = [];
  private readonly ev: LoginEvent;
  /** A stderr failure waiting for its DETAIL. */
  private readonly pending: LoginEvent;
  private pendingKey = -1;
  private pendingOffset = -1;
  /** The pending failure's DETAIL has started: its continuation lines may name the hba line. */
  private inPendingDetail = false;

  constructor(
    serverId: string,
    private readonly sink: IngestSink,
    private readonly maxOpen = 65_536,
  ) {
    this.ev = emptyLoginEvent(serverId);
    this.pending = emptyLoginEvent(serverId);
  }

  /** Byte offset of the oldest record not yet emitted (a failure waiting for DETAIL), or -1. */
  get heldOffset(): number {
    return this.pendingOffset;
  }

  /** Connections remembered now (for a checkpoint). */
  openConnections(): OpenConnection[] {
    return [...this.open.values()].map((c) => ({ ...c }));
  }

  restore(conns: readonly OpenConnection[]): void {
    for (const c of conns) this.remember(c.key, c.ip, c.port, c.at).method = c.method;
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Emits a failure still waiting for its DETAIL (end of input). */
  flush(): void {
    if (this.pendingOffset < 0) return;
    const off = this.pendingOffset;
    this.forget(this.pendingKey);
    this.pendingOffset = -1;
    this.pendingKey = -1;
    this.inPendingDetail = false;
    this.stats.events++;
    this.sink.onEvent(this.pending, off);
  }

  /**
   * One record (a stderr line, a csv row, a json object). `offset` is the byte offset of its
   * first line; `detailInRecord` says the format carries DETAIL inside the record (csv, json).
   */
  onRecord(r: LogRecord, offset: number, detailInRecord: boolean): void {
    const key = r.pid > 0 ? r.pid : r.sessionKey;
    if (this.pendingOffset >= 0) {
      if (r.severity === Severity.DETAIL && key === this.pendingKey) {
        this.applyDetail(this.pending, r.buf, r.msgS, r.msgE);
        this.inPendingDetail = true;
        return;
      }
      this.flush();
    }
    const b = r.buf;
    const s = r.msgS;
    const e = r.msgE;
    if (e - s < 14) return;
    const c0 = b[s];
    if (r.severity === Severity.LOG) {
      if (c0 === 99 /* c */) {
        if (bytesEqual(b, s, M_RECEIVED)) this.received(r, key, offset);
        else if (bytesEqual(b, s, M_AUTHORIZED)) this.authorized(r, key, offset, s + M_AUTHORIZED.length);
        else if (bytesEqual(b, s, M_AUTHENTICATED)) this.authenticated(r, key);
      } else if (c0 === 100 /* d */ && bytesEqual(b, s, M_DISCONNECTION)) this.disconnection(r, key, offset);
      else if (c0 === 114 /* r */ && bytesEqual(b, s, M_REPL_AUTHORIZED)) {
        this.authorized(r, key, offset, s + M_REPL_AUTHORIZED.length);
      }
    } else if (r.severity === Severity.FATAL) {
      this.fatal(r, key, offset, detailInRecord);
    }
  }

  /** A stderr continuation line (without its TAB): only a pending failure's DETAIL matters. */
  onContinuation(b: Uint8Array, s: number, e: number): void {
    if (this.inPendingDetail) this.applyDetail(this.pending, b, s, e);
  }

  private received(r: LogRecord, key: number, offset: number): void {
    const b = r.buf;
    const hs = r.msgS + M_RECEIVED.length;
    let he = indexOfBytes(b, F_PORT, hs, r.msgE);
    let port = 0;
    if (he < 0) he = r.msgE;
    else port = parsePort(b, he + F_PORT.length, r.msgE);
    const ip = isLocal(b, hs, he) ? '' : str(b, hs, he);
    const at = r.at;
    if (key > 0) {
      this.expire(at);
      if (this.open.has(key)) {
        this.stats.abandoned++;
        this.forget(key);
      }
      this.remember(key, ip, port, at);
    }
    const ev = this.begin('connect', r);
    ev.clientIp = ip;
    ev.clientPort = port;
    this.emit(ev, offset);
  }

  private authenticated(r: LogRecord, key: number): void {
    const conn = this.open.get(key);
    if (!conn) return;
    const b = r.buf;
    const m = indexOfBytes(b, F_METHOD, r.msgS, r.msgE);
    if (m < 0) return;
    const ms = m + F_METHOD.length;
    let me = ms;
    while (me < r.msgE && b[me] !== 32) me++;
    conn.method = method(b, ms, me);
  }

  private authorized(r: LogRecord, key: number, offset: number, us: number): void {
    const b = r.buf;
    const end = r.msgE;
    let ue = indexOfBytes(b, F_DATABASE, us, end);
    let ds = -1;
    if (ue < 0) {
      // walsender: no database
      ue = indexOfBytes(b, F_APP, us, end);
      if (ue < 0) ue = suffixStart(b, us, end);
    } else ds = ue + F_DATABASE.length;
    const from = ds < 0 ? ue : ds;
    // application_name, then SSL / GSS suffixes, all optional.
    const tail = suffixStart(b, from, end);
    const a = indexOfBytes(b, F_APP, from, tail);
    const ev = this.begin('login-ok', r);
    ev.user = str(b, us, ue);
    ev.database = ds < 0 ? '' : str(b, ds, a >= 0 ? a : tail);
    ev.application = a < 0 ? '' : str(b, a + F_APP.length, tail);
    this.joinAndForget(ev, r, key);
    this.emit(ev, offset);
  }

  private fatal(r: LogRecord, key: number, offset: number, detailInRecord: boolean): void {
    const b = r.buf;
    const s = r.msgS;
    const e = r.msgE;
    let kind: LoginEventKind;
    let state: string;
    let us: number;
    if (bytesEqual(b, s, M_PASSWORD_FAILED)) {
      kind = 'login-failed';
      state = '28P01';
      us = s + M_PASSWORD_FAILED.length;
    } else if (bytesEqual(b, s, M_NO_HBA)) {
      kind = 'hba-rejected';
      state = '28000';
      us = -1;
    } else if (bytesEqual(b, s, M_HBA_REJECTS)) {
      kind = 'hba-rejected';
      state = '28000';
      us = -1;
    } else {
      // Ident/peer/LDAP/RADIUS/cert... authentication failed for user "x"
      const a = indexOfBytes(b, M_AUTH_FAILED, s, Math.min(e, s + 64));
      if (a < 0) return;
      kind = 'login-failed';
      state = '28000';
      us = a + M_AUTH_FAILED.length;
    }
    const ev = detailInRecord ? this.begin(kind, r) : this.beginPending(kind, r);
    ev.sqlState = r.stateE > r.stateS ? str(b, r.stateS, r.stateE) : state;
    if (us >= 0) {
      ev.user = str(b, us, lastQuote(b, us, e));
      ev.database = fieldOf(b, r.dbS, r.dbE);
    } else {
      // no pg_hba.conf entry for host "h", user "u", database "d", no encryption
      const u = indexOfBytes(b, Q_USER, s, e);
      const d = indexOfBytes(b, Q_DATABASE, s, e);
      ev.user = u < 0 ? fieldOf(b, r.userS, r.userE) : str(b, u + Q_USER.length, closeQuote(b, u + Q_USER.length, e));
      ev.database =
        d < 0 ? fieldOf(b, r.dbS, r.dbE) : str(b, d + Q_DATABASE.length, closeQuote(b, d + Q_DATABASE.length, e));
    }
    const conn = this.open.get(key);
    if (conn && !ev.authMethod) ev.authMethod = conn.method;
    this.joinIp(ev, r, key);
    if (detailInRecord) {
      if (r.detailE > r.detailS) this.applyDetail(ev, b, r.detailS, r.detailE);
      this.forget(key);
      this.emit(ev, offset);
    } else {
      this.pendingKey = key;
      this.pendingOffset = offset;
      this.inPendingDetail = false;
    }
  }

  private disconnection(r: LogRecord, key: number, offset: number): void {
    const b = r.buf;
    const e = r.msgE;
    const ts = r.msgS + M_DISCONNECTION.length;
    const ue = indexOfBytes(b, F_USER, ts, e);
    if (ue < 0) return;
    const us = ue + F_USER.length;
    const de = indexOfBytes(b, F_DATABASE, us, e);
    const he = de < 0 ? -1 : indexOfBytes(b, F_HOST, de, e);
    if (he < 0) return;
    const hs = he + F_HOST.length;
    let pe = indexOfBytes(b, F_PORT, hs, e);
    const port = pe < 0 ? 0 : parsePort(b, pe + F_PORT.length, e);
    if (pe < 0) pe = e;
    const ev = this.begin('disconnect', r);
    ev.sessionMs = sessionTime(b, ts, ue);
    ev.user = str(b, us, de);
    ev.database = str(b, de + F_DATABASE.length, he);
    ev.clientIp = isLocal(b, hs, pe) ? '' : str(b, hs, pe);
    ev.clientPort = port;
    this.forget(key);
    this.emit(ev, offset);
  }

  /** DETAIL text (all of it for csv/json, line by line for stderr). */
  private applyDetail(ev: LoginEvent, b: Uint8Array, s: number, e: number): void {
    for (let p = s; p < e;) {
      let nl = p;
      while (nl < e && b[nl] !== 10) nl++;
      if (bytesEqual(b, p, M_ROLE) && indexOfBytes(b, M_NOT_EXIST, p + M_ROLE.length, nl) >= 0) ev.invalidUser = true;
      else if (!ev.authMethod && bytesEqual(b, p, M_MATCHED)) ev.authMethod = hbaMethod(b, p + M_MATCHED.length, nl);
      p = nl + 1;
    }
  }

  private begin(kind: LoginEventKind, r: LogRecord): LoginEvent {
    return fill(this.ev, kind, r);
  }

  private beginPending(kind: LoginEventKind, r: LogRecord): LoginEvent {
    return fill(this.pending, kind, r);
  }

  /** The client address: from the record when the format has it, else from `connection received`. */
  private joinIp(ev: LoginEvent, r: LogRecord, key: number): void {
    if (r.hostE > r.hostS && !isLocal(r.buf, r.hostS, r.hostE)) {
      ev.clientIp = str(r.buf, r.hostS, r.hostE);
      ev.clientPort = r.port;
    }
    const conn = this.open.get(key);
    if (!conn) return;
    if (!ev.clientIp) {
      ev.clientIp = conn.ip;
      ev.clientPort = conn.port;
    }
    if (!ev.authMethod) ev.authMethod = conn.method;
  }

  private joinAndForget(ev: LoginEvent, r: LogRecord, key: number): void {
    this.joinIp(ev, r, key);
    this.forget(key);
  }

  private emit(ev: LoginEvent, offset: number): void {
    this.stats.events++;
    this.sink.onEvent(ev, offset);
  }

  /**
   * Forgets connections that would have logged in or failed long ago (a scanner's, or one whose
   * lines were lost): PostgreSQL's authentication_timeout is at most 10 minutes. A few per call,
   * oldest first, so the remembered set (and the follower's saved position) stays small.
   */
  private expire(now: number): void {
    let n = 0;
    for (const c of this.open.values()) {
      if (n >= 8 || c.at >= now - AUTH_TIMEOUT_MAX_MS) break;
      this.forget(c.key);
      this.stats.expired++;
      n++;
    }
  }

  private remember(key: number, ip: string, port: number, at: number): OpenConnection {
    if (this.open.size >= this.maxOpen) {
      for (const oldest of this.open.keys()) {
        this.forget(oldest);
        this.stats.evicted++;
        break;
      }
    }
    const c = this.pool.pop() ?? { key: 0, ip: '', port: 0, method: '', at: 0 };
    c.key = key;
    c.ip = ip;
    c.port = port;
    c.method = '';
    c.at = at;
    this.open.set(key, c);
    return c;
  }

  private forget(key: number): void {
    const c = this.open.get(key);
    if (!c) return;
    this.open.delete(key);
    if (this.pool.length < 1024) this.pool.push(c);
  }
}

function fill(ev: LoginEvent, kind: LoginEventKind, r: LogRecord): LoginEvent {
  ev.kind = kind;
  ev.at = r.at;
  ev.pid = r.pid;
  ev.sessionId = r.sessE > r.sessS ? str(r.buf, r.sessS, r.sessE) : '';
  ev.clientIp = '';
  ev.clientPort = 0;
  ev.user = '';
  ev.database = '';
  ev.application = '';
  ev.sqlState = '';
  ev.invalidUser = false;
  ev.authMethod = '';
  ev.sessionMs = 0;
  return ev;
}

function str(b: Uint8Array, s: number, e: number): string {
  return e > s ? (b as Buffer).toString('utf8', s, e) : '';
}

/** A user/database field of the prefix or record; `[unknown]` (not yet known) reads as ''. */
function fieldOf(b: Uint8Array, s: number, e: number): string {
  if (e - s === UNKNOWN.length && bytesEqual(b, s, UNKNOWN)) return '';
  return str(b, s, e);
}

function isLocal(b: Uint8Array, s: number, e: number): boolean {
  return e - s === LOCAL.length && bytesEqual(b, s, LOCAL);
}

function parsePort(b: Uint8Array, s: number, e: number): number {
  let n = 0;
  for (let p = s; p < e && p - s < 5; p++) {
    const d = b[p] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

/** Start of a trailing ` SSL enabled (...)` / ` GSS (...)` of `connection authorized`, else e. */
function suffixStart(b: Uint8Array, s: number, e: number): number {
  if (e <= s || b[e - 1] !== 41) return e;
  const ssl = lastIndex(b, F_SSL, s, e);
  if (ssl >= 0) return ssl;
  const gss = lastIndex(b, F_GSS, s, e);
  return gss >= 0 ? gss : e;
}

function lastIndex(b: Uint8Array, w: Uint8Array, s: number, e: number): number {
  for (let p = e - w.length; p >= s; p--) if (b[p] === w[0] && bytesEqual(b, p, w)) return p;
  return -1;
}

/** The closing quote of `... for user "x"`: the last quote of the message. */
function lastQuote(b: Uint8Array, s: number, e: number): number {
  for (let p = e - 1; p >= s; p--) if (b[p] === 34) return p;
  return e;
}

function closeQuote(b: Uint8Array, s: number, e: number): number {
  for (let p = s; p < e; p++) if (b[p] === 34) return p;
  return e;
}

function method(b: Uint8Array, s: number, e: number): string {
  for (let i = 0; i < METHOD_BYTES.length; i++) {
    if (METHOD_BYTES[i].length === e - s && bytesEqual(b, s, METHOD_BYTES[i])) return METHODS[i];
  }
  return str(b, s, e);
}

/** `2: "host all all 127.0.0.0/24 scram-sha-256"`: the method, the last word without '='. */
function hbaMethod(b: Uint8Array, s: number, e: number): string {
  let end = e;
  while (end > s && b[end - 1] !== 34) end--;
  end--;
  while (end > s) {
    let start = end;
    while (start > s && b[start - 1] !== 32 && b[start - 1] !== 34) start--;
    let hasEq = false;
    for (let p = start; p < end; p++) if (b[p] === 61) hasEq = true;
    if (!hasEq) return method(b, start, end);
    end = start - 1;
  }
  return '';
}

/** `H:MM:SS.fff user=`: session time in ms. */
function sessionTime(b: Uint8Array, s: number, e: number): number {
  let h = 0;
  let p = s;
  while (p < e && b[p] >= 48 && b[p] <= 57) h = h * 10 + (b[p++] - 48);
  if (b[p] !== 58) return 0;
  const m = (b[p + 1] - 48) * 10 + (b[p + 2] - 48);
  const sec = (b[p + 4] - 48) * 10 + (b[p + 5] - 48);
  p += 6;
  let ms = 0;
  if (b[p] === 46) ms = (b[p + 1] - 48) * 100 + (b[p + 2] - 48) * 10 + (b[p + 3] - 48);
  return ((h * 60 + m) * 60 + sec) * 1000 + ms;
}
