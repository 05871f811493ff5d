/**
 * Each table is read and written only through the domain that owns it (docs/dependencies.md):
 * SQL naming a table (FROM, JOIN, INTO, UPDATE, TABLE) may appear only in the owner's library.
 * dependency-cruiser sees imports, not SQL strings, so this scans the sources of apps/ and libs/
 * (tests and migrations excepted) for them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Tables without a TypeORM entity, and the library that owns each. */
const OWNER_WITHOUT_ENTITY: Record<string, string> = {
  console_sessions: 'console',
  db_alert_mail_throttle: 'dbwatch',
  db_alert_suppressions: 'dbwatch',
  db_alert_timeline: 'dbwatch',
  db_alerts: 'dbwatch',
  db_baselines: 'dbwatch',
  db_log_positions: 'dbwatch',
  db_login_events: 'dbwatch',
  inventory_state: 'inventory',
};

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') sources(p, out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) out.push(p);
  }
  return out;
}

/** The tables a source names in SQL. */
export function tablesNamed(source: string, tables: readonly string[]): string[] {
  return tables.filter((t) => new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\\s+"?${t}"?\\b`, 'i').test(source));
}

/** 'libs/cases/src/x.ts' -> 'cases'; apps/ files belong to no domain. */
const libOf = (file: string) => /^libs\/([^/]+)\//.exec(relative(ROOT, file))?.[1] ?? relative(ROOT, file);

describe('table ownership', () => {
  const files = [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'apps'))];
  const owner = new Map<string, string>(Object.entries(OWNER_WITHOUT_ENTITY));
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/@Entity\(\s*(?:\{\s*name:\s*)?'([a-z_]+)'/g)) {
      owner.set(m[1], libOf(f));
    }
  }
  const tables = [...owner.keys()];

  it('knows the owner of every table the migrations create', () => {
    const created = new Set<string>();
    for (const f of sources(join(ROOT, 'migrations'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?"?([a-z_]+)"?/g)) created.add(m[1]);
    }
    expect(created.size).toBeGreaterThan(20);
    expect([...created].filter((t) => !owner.has(t))).toEqual([]);
  });

  it('finds SQL on a table in a source (the scanner can fail)', () => {
    expect(tablesNamed(`await ds.query('SELECT count(*) FROM cases WHERE closed_at IS NULL')`, tables)).toEqual(['cases']);
    expect(tablesNamed(`'UPDATE vms SET x = 1'`, tables)).toEqual(['vms']);
    expect(tablesNamed(`// the cases of this VM`, tables)).toEqual([]);
  });

  it('no library runs SQL on another domain’s table', () => {
    const foreign: string[] = [];
    for (const f of files) {
      const lib = libOf(f);
      for (const t of tablesNamed(readFileSync(f, 'utf8'), tables)) {
        if (owner.get(t) !== lib) foreign.push(`${relative(ROOT, f)}: ${t} (owned by ${owner.get(t)})`);
      }
    }
    expect(foreign).toEqual([]);
  });
});
