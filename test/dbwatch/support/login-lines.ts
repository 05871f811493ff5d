/**
 * Stderr log lines (Debian prefix) of numbered connections, as PostgreSQL 15 writes them, for the
 * follower tests. Connection k comes from 10.0.x.y port 10000+k; every 7th fails for an unknown
 * role (FATAL with a DETAIL on a continuation line); the others log in, then disconnect.
 * `expectedKeys` says which events (`kind:port`) the lines must become.
 */
const T0 = Date.UTC(2026, 11, 6, 3, 0, 0);

function prefix(k: number, part: number, who: string): string {
  const ts = new Date(T0 + k * 10 + part).toISOString().replace('T', ' ').replace('Z', ' UTC');
  return `${ts} [${20000 + (k % 5000)}] ${who} `;
}

/** The lines of connection k: [received, ...rest], so a test can split them across files. */
export function connectionLines(k: number): string[] {
  const host = `10.0.${(k >> 8) & 255}.${k & 255}`;
  const port = 10000 + k;
  const lines = [`${prefix(k, 0, '[unknown]@[unknown]')}LOG:  connection received: host=${host} port=${port}\n`];
  if (k % 7 === 0) {
    lines.push(
      `${prefix(k, 1, `ghost${k}@shop`)}FATAL:  password authentication failed for user "ghost${k}"\n` +
        `${prefix(k, 1, `ghost${k}@shop`)}DETAIL:  Role "ghost${k}" does not exist.\n` +
        `\tConnection matched pg_hba.conf line 2: "host all all 10.0.0.0/8 scram-sha-256"\n`,
    );
  } else {
    lines.push(
      `${prefix(k, 1, `u${k}@shop`)}LOG:  connection authenticated: identity="u${k}" method=scram-sha-256 (/etc/postgresql/15/main/pg_hba.conf:2)\n`,
      `${prefix(k, 2, `u${k}@shop`)}LOG:  connection authorized: user=u${k} database=shop application_name=app${k % 3}\n`,
      `${prefix(k, 3, `u${k}@shop`)}LOG:  disconnection: session time: 0:00:00.004 user=u${k} database=shop host=${host} port=${port}\n`,
    );
  }
  return lines;
}

export function connections(from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += connectionLines(k).join('');
  return s;
}

export function expectedKeys(ks: Iterable<number>): string[] {
  const out: string[] = [];
  for (const k of ks) {
    const port = 10000 + k;
    out.push(`connect:${port}`);
    if (k % 7 === 0) out.push(`login-failed:${port}`);
    else out.push(`login-ok:${port}`, `disconnect:${port}`);
  }
  return out.sort();
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
