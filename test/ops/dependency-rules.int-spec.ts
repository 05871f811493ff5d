/**
 * The dependency rules (.dependency-cruiser.cjs, `npm run lint:deps`) can be seen to fail: the real
 * dependency-cruiser CLI with the repo's configuration runs on a small tree of libs written here,
 * clean first (every allowed kind of import passes), then with one forbidden import planted at a
 * time, and last on a copy of the repo itself with a kernel lib importing a domain lib.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const KNOWN = join(ROOT, '.dependency-cruiser-known-violations.json');
/** Each cruise takes seconds, more on a busy machine; the repository ones several. */
const SLOW_MS = 180_000;

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

interface Cruised {
  /** Errors not softened by a known-violations file (what makes `npm run lint:deps` exit non-zero). */
  errors: number;
  violations: Violation[];
}

/** Runs `depcruise` with the repo's configuration, as `npm run lint:deps` does, in `cwd`. */
function cruise(cwd: string, extra: string[] = []): Cruised {
  const r = spawnSync(
    process.execPath,
    [CLI, '--config', CONFIG, ...extra, '--output-type', 'json', 'apps', 'libs', 'migrations'],
    { cwd, encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (r.status !== 0 || !r.stdout) throw new Error(`depcruise failed (status ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { error: number; violations: Violation[] } };
  return { errors: out.summary.error, violations: out.summary.violations };
}

const LIBS = [
  'common',
  'db',
  'queues',
  'inventory',
  'flows',
  'suppression',
  'detection',
  'cases',
  'mail',
  'deployment-control',
  'escalation',
  'case-mail',
  'core',
  'newthing',
];

/** A tiny monorepo: one index per lib importing only what the rules allow. */
const CLEAN: Record<string, string> = {
  'libs/common/src/index.ts': `export const common = 1;\n`,
  'libs/common/src/ip.ts': `export const ip = 1;\n`,
  'libs/db/src/index.ts': `import { common } from '@sg/common';\nexport const db = common;\n`,
  'libs/queues/src/index.ts': `import { common } from '@sg/common';\nexport const queues = common;\n`,
  'libs/queues/src/finding-vocabulary.ts': `export const KINDS = ['port-scan'];\n`,
  'libs/inventory/src/vm.entity.ts': `export class VmEntity {}\n`,
  'libs/inventory/src/index.ts': `import { queues } from '@sg/queues';\nexport * from './vm.entity';\nexport const inventory = queues;\n`,
  'libs/flows/src/flow-batch.ts': `export class FlowBatch {}\n`,
  'libs/flows/src/attribution/secret.ts': `export const secret = 1;\n`,
  'libs/flows/src/index.ts': `import { inventory } from '@sg/inventory';\nexport * from './flow-batch';\nexport { secret } from './attribution/secret';\nexport const flows = inventory;\n`,
  'libs/suppression/src/index.ts': `import { db } from '@sg/db';\nexport const suppression = db;\n`,
  'libs/detection/src/index.ts':
    `import { FlowBatch } from '@sg/flows/flow-batch';\nimport { KINDS } from '@sg/queues/finding-vocabulary';\n` +
    `import { ip } from '@sg/common/ip';\nimport { suppression } from '@sg/suppression';\n` +
    `export const detection = [FlowBatch, KINDS, ip, suppression];\n`,
  'libs/deployment-control/src/index.ts': `import { common } from '@sg/common';\nexport const control = common;\n`,
  'libs/cases/src/index.ts':
    `import { suppression } from '@sg/suppression';\nimport { control } from '@sg/deployment-control';\n` +
    `import type { VmEntity } from '@sg/inventory';\nexport type Vm = VmEntity;\nexport const cases = [suppression, control];\n`,
  'libs/mail/src/index.ts': `import { queues } from '@sg/queues';\nexport const mail = queues;\n`,
  'libs/escalation/src/index.ts': `import { cases } from '@sg/cases';\nexport const escalation = cases;\n`,
  'libs/case-mail/src/index.ts': `import { cases } from '@sg/cases';\nimport { mail } from '@sg/mail';\nexport const caseMail = [cases, mail];\n`,
  'libs/core/src/index.ts': `import { db } from '@sg/db';\nexport const core = db;\n`,
  'apps/api/src/main.ts':
    `import { caseMail } from '@sg/case-mail';\nimport { core } from '@sg/core';\nimport { detection } from '@sg/detection';\n` +
    `import { escalation } from '@sg/escalation';\nexport const app = [caseMail, core, detection, escalation];\n`,
  'migrations/index.ts': `export const MIGRATIONS = [];\n`,
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'commonjs',
      baseUrl: './',
      paths: Object.fromEntries(
        LIBS.flatMap((l) => [
          [`@sg/${l}`, [`libs/${l}/src`]],
          [`@sg/${l}/*`, [`libs/${l}/src/*`]],
        ]),
      ),
    },
  }),
};

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** A file at `path` that imports `spec` (and uses it, so the import stays). */
const importer = (path: string, spec: string): Record<string, string> => ({
  [path]: `import * as it from '${spec}';\nexport const uses = it;\n`,
});

/** One forbidden import of each kind: what, the files planted, the rule, the importing file, what it reaches. */
const PLANTED: [string, Record<string, string>, string, string, string][] = [
  [
    'a kernel lib importing a domain lib',
    importer('libs/queues/src/bad.ts', '@sg/cases'),
    'kernel-not-upwards',
    'libs/queues/src/bad.ts',
    'libs/cases/src/index.ts',
  ],
  [
    'a domain lib importing a bridge',
    importer('libs/mail/src/bad.ts', '@sg/case-mail'),
    'domain-not-upwards',
    'libs/mail/src/bad.ts',
    'libs/case-mail/src/index.ts',
  ],
  [
    'a lib importing an app',
    importer('libs/core/src/bad.ts', '../../../apps/api/src/main'),
    'lib-not-to-app',
    'libs/core/src/bad.ts',
    'apps/api/src/main.ts',
  ],
  [
    'detection importing cases (domains talk only along listed edges)',
    importer('libs/detection/src/bad.ts', '@sg/cases'),
    'same-layer-unlisted-detection',
    'libs/detection/src/bad.ts',
    'libs/cases/src/index.ts',
  ],
  [
    'a deep import into another lib that is not a public entry',
    importer('libs/detection/src/deep.ts', '@sg/flows/attribution/secret'),
    'deep-import',
    'libs/detection/src/deep.ts',
    'libs/flows/src/attribution/secret.ts',
  ],
  [
    "another lib's entity file",
    importer('libs/cases/src/bad.ts', '../../inventory/src/vm.entity'),
    'no-foreign-entity',
    'libs/cases/src/bad.ts',
    'libs/inventory/src/vm.entity.ts',
  ],
  [
    'lib code importing test code',
    {
      ...importer('libs/mail/src/helper-user.ts', '../../../test/support/helper'),
      'test/support/helper.ts': `export const helper = 1;\n`,
    },
    'lib-not-to-test-code',
    'libs/mail/src/helper-user.ts',
    'test/support/helper.ts',
  ],
  [
    'a lib that has no layer',
    {
      ...importer('apps/api/src/extra.ts', '@sg/newthing'),
      'libs/newthing/src/index.ts': `export const newthing = 1;\n`,
    },
    'lib-has-a-layer',
    'apps/api/src/extra.ts',
    'libs/newthing/src/index.ts',
  ],
  [
    'a cycle between two libs, even where one of its edges is allowed (cases -> suppression)',
    {
      'libs/suppression/src/index.ts': `import { db } from '@sg/db';\nimport { cases } from '@sg/cases';\nexport const suppression = [db, cases];\n`,
    },
    'no-lib-cycle',
    'libs/cases/src/index.ts',
    'libs/suppression/src/index.ts',
  ],
  ['the same cycle between the libs as wholes', {}, 'no-lib-cycle-folders', 'libs/cases/src', 'libs/suppression/src'],
  [
    'a loop between two libs that no chain of files closes (nothing imports the file that goes back)',
    importer('libs/inventory/src/loop.ts', '@sg/flows'),
    'no-lib-cycle-folders',
    'libs/inventory/src',
    'libs/flows/src',
  ],
];

describe('dependency rules (dependency-cruiser)', () => {
  const dirs: string[] = [];
  /** The clean tree plus `planted` files (new, or replacing a clean one). */
  const tree = (planted: Record<string, string> = {}): string => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-deps-'));
    dirs.push(dir);
    write(dir, { ...CLEAN, ...planted });
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('passes a tree that keeps to the rules (index imports, public deep entries, listed sideways edges)', () => {
    expect(cruise(tree())).toEqual({ errors: 0, violations: [] });
  });

  describe('with one forbidden import of each kind planted', () => {
    let planted: Cruised;
    beforeAll(() => {
      planted = cruise(tree(Object.assign({}, ...PLANTED.map((p) => p[1]))));
    }, SLOW_MS);

    it.each(PLANTED)('reports %s', (_what, _files, rule, from, to) => {
      expect(planted.violations).toContainEqual(
        expect.objectContaining({ from, to, rule: { name: rule, severity: 'error' } }),
      );
    });

    it('reports nothing else', () => {
      const expected = new Set(PLANTED.map((p) => p[2]));
      // The planted cycles also break the sideways rules (suppression may not import cases,
      // inventory not flows).
      expected.add('same-layer-unlisted-suppression');
      expected.add('same-layer-unlisted-inventory');
      expect(new Set(planted.violations.map((v) => v.rule.name))).toEqual(expected);
      expect(planted.errors).toBe(planted.violations.length);
    });
  });

  it(
    'ignores the recorded known violations but still fails on a new one',
    () => {
      const dir = tree(importer('libs/detection/src/old.ts', '@sg/cases'));
      const baseline = spawnSync(
        process.execPath,
        [CLI, '--config', CONFIG, '--output-type', 'baseline', 'apps', 'libs', 'migrations'],
        { cwd: dir, encoding: 'utf8' },
      );
      writeFileSync(join(dir, 'known.json'), baseline.stdout);
      const known = cruise(dir, ['--ignore-known', 'known.json']);
      expect(known.errors).toBe(0);
      expect(known.violations.map((v) => [v.from, v.rule.severity])).toEqual([['libs/detection/src/old.ts', 'ignore']]);

      write(dir, importer('libs/mail/src/new.ts', '@sg/cases'));
      const c = cruise(dir, ['--ignore-known', 'known.json']);
      expect(c.errors).toBe(1);
      expect(c.violations.filter((v) => v.rule.severity === 'error').map((v) => [v.from, v.to, v.rule.name])).toEqual([
        ['libs/mail/src/new.ts', 'libs/cases/src/index.ts', 'same-layer-unlisted-mail'],
      ]);
    },
    SLOW_MS,
  );

  it(
    'passes on the repository with its known violations; `npm run lint:deps` fails when a kernel lib imports a domain lib',
    () => {
      expect(cruise(ROOT, ['--ignore-known', KNOWN]).errors).toBe(0);

      const copy = mkdtempSync(join(tmpdir(), 'sg-deps-repo-'));
      dirs.push(copy);
      for (const p of ['apps', 'libs', 'migrations', 'tsconfig.json', 'package.json', '.dependency-cruiser.cjs'])
        cpSync(join(ROOT, p), join(copy, p), { recursive: true });
      cpSync(KNOWN, join(copy, '.dependency-cruiser-known-violations.json'));
      write(copy, importer('libs/queues/src/planted.ts', '@sg/cases'));
      // The CI command itself, with its own output and exit status.
      const lint = spawnSync('npm', ['run', '-s', 'lint:deps'], {
        cwd: copy,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      });
      expect(lint.status).not.toBe(0);
      expect(lint.stdout).toContain('error kernel-not-upwards: libs/queues/src/planted.ts → libs/cases/src/index.ts');
    },
    SLOW_MS,
  );
});
