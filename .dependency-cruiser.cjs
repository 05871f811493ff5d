/**
 * Dependency rules of Safeguards, checked by `npm run lint:deps` (dependency-cruiser) in CI.
 * docs/dependencies.md explains them and how to add a lib. In short, an arrow means "may import":
 *
 *   composition (core, apps) -> bridge -> domain -> kernel -> base
 *
 * - a lib never imports an app, and a lower layer never imports a higher one;
 * - inside one layer a lib imports another only along an edge listed in SIDEWAYS (each with why);
 *   the listed edges must not form a loop (checked when this file loads);
 * - no cycle between libs, whatever the layers say (a chain of files, and whole libs as folders);
 * - another lib is imported through its index (`@sg/x`) or one of PUBLIC_ENTRIES, never deeper;
 * - another lib's *.entity.ts is never imported directly (tables belong to their domain);
 * - lib code (not its specs) never imports test/, bench/ or scripts/; migrations import no lib.
 *
 * Violations that exist today and are being fixed are listed in
 * .dependency-cruiser-known-violations.json (`--ignore-known`); a new one fails CI.
 */

/** Every lib belongs to exactly one layer; a lib missing here fails `lint:deps` (rule lib-has-a-layer). */
const LAYERS = [
  { name: 'base', libs: ['common', 'db'] },
  { name: 'kernel', libs: ['queues', 'auth', 'ops', 'inventory', 'flows'] },
  {
    name: 'domain',
    libs: ['detection', 'cases', 'mail', 'suppression', 'dbwatch', 'deployment-control', 'escalation'],
  },
  // flowbus joins flows (kernel) to detection (domain) across processes over NATS JetStream.
  { name: 'bridge', libs: ['case-mail', 'console', 'flowbus'] },
  { name: 'composition', libs: ['core'] },
];

/**
 * The imports allowed between two libs of the same layer: lib -> { other lib: why }.
 * Anything not listed here is forbidden (rule same-layer-unlisted).
 */
const SIDEWAYS = {
  // base
  db: { common: 'the data source reads its settings from the typed config' },
  // kernel
  ops: {
    auth: '/metrics is guarded by the token roles',
    queues: 'the health check pings the Redis connection that queues owns',
  },
  inventory: {
    auth: 'the inventory API is guarded by the token roles',
    queues: 'inventory changes are announced to the other processes over Redis',
  },
  flows: {
    auth: 'the ingestion endpoints take the ingest role',
    inventory: 'attribution: which VM held an address at that time',
    ops: 'ingestion counters are exported as metrics',
  },
  // domain
  detection: {
    suppression: 'approved exceptions suppress findings in the detection hot path',
  },
  cases: {
    suppression: 'responders turn a case into a suppression rule; findings are matched against the rules',
    'deployment-control': 'a case requests shutdowns and restarts and shows their state',
  },
  escalation: {
    cases: 'due deadlines and reminders are read from the cases and acted on through its services',
    'deployment-control': 'a passed deadline ends in a control-plane shutdown',
  },
  dbwatch: {
    mail: "database alerts are e-mailed through mail's outbox (no case involved)",
    detection: "suspicious-IP alerts reuse detection's threat-list loader",
  },
};

/**
 * Deep imports into another lib that are public (beside its index): small files without Nest in
 * them, so that the detection threads, decoders and benchmarks load only what they run. Paths
 * are relative to libs/, without the extension.
 */
const PUBLIC_ENTRIES = [
  'common/src/ip',
  'common/src/config/duration',
  'flows/src/flow-batch',
  'flows/src/flow-record',
  'flows/src/attribution/flow-pipeline',
  'queues/src/finding-vocabulary',
];

const ALL_LIBS = LAYERS.flatMap((l) => l.libs);
const any = (libs) => `(${libs.map((l) => l.replace(/[-]/g, '\\-')).join('|')})`;

/** Refuses a SIDEWAYS table that names an unknown lib, crosses layers, or loops. */
function checkSideways() {
  const layerOf = new Map(LAYERS.flatMap((l, i) => l.libs.map((lib) => [lib, i])));
  for (const [from, tos] of Object.entries(SIDEWAYS)) {
    for (const to of Object.keys(tos)) {
      if (!layerOf.has(from) || !layerOf.has(to)) throw new Error(`SIDEWAYS ${from} -> ${to}: unknown lib`);
      if (layerOf.get(from) !== layerOf.get(to)) throw new Error(`SIDEWAYS ${from} -> ${to}: not the same layer`);
    }
  }
  const state = new Map();
  const visit = (lib, path) => {
    if (state.get(lib) === 'done') return;
    if (state.get(lib) === 'open') throw new Error(`SIDEWAYS loops: ${[...path, lib].join(' -> ')}`);
    state.set(lib, 'open');
    for (const to of Object.keys(SIDEWAYS[lib] ?? {})) visit(to, [...path, lib]);
    state.set(lib, 'done');
  };
  for (const lib of ALL_LIBS) visit(lib, []);
}
checkSideways();

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `${layer.name}-not-upwards`,
  severity: 'error',
  comment: `A ${layer.name} lib imports only from its own layer or below (${LAYERS.slice(0, i)
    .map((l) => l.name)
    .join(', ')}); never from ${LAYERS.slice(i + 1)
    .map((l) => l.name)
    .join(', ')}.`,
  from: { path: `^libs/${any(layer.libs)}/` },
  to: { path: `^libs/${any(LAYERS.slice(i + 1).flatMap((l) => l.libs))}/` },
}));

const sidewaysRules = LAYERS.flatMap((layer) =>
  layer.libs.flatMap((lib) => {
    const allowed = Object.keys(SIDEWAYS[lib] ?? {});
    const forbidden = layer.libs.filter((other) => other !== lib && !allowed.includes(other));
    if (forbidden.length === 0) return [];
    return [
      {
        name: `same-layer-unlisted-${lib}`,
        severity: 'error',
        comment:
          `${lib} (${layer.name}) may import from its own layer only ` +
          (allowed.length ? allowed.join(', ') : 'nothing') +
          ' (SIDEWAYS in .dependency-cruiser.cjs; add an edge there with the reason if it is right).',
        from: { path: `^libs/${lib}/` },
        to: { path: `^libs/${any(forbidden)}/` },
      },
    ];
  }),
);

module.exports = {
  forbidden: [
    {
      name: 'lib-has-a-layer',
      severity: 'error',
      comment: 'Every lib is listed in LAYERS in .dependency-cruiser.cjs (see docs/dependencies.md).',
      from: {},
      to: { path: `^libs/(?!${any(ALL_LIBS)}/)[^/]+/` },
    },
    {
      name: 'lib-not-to-app',
      severity: 'error',
      comment: 'A lib never imports an app: apps compose libs, not the other way round.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    ...layerRules,
    ...sidewaysRules,
    {
      name: 'no-lib-cycle',
      severity: 'error',
      comment:
        'No cycle between libs: a chain of imports that leaves a lib and comes back to it. (The layers and ' +
        'the loop-free SIDEWAYS table already rule out a lib-level cycle; this names it when one appears.)',
      from: { path: '^libs/([^/]+)/' },
      to: { circular: true, via: { pathNot: '^libs/$1/' } },
    },
    {
      name: 'no-lib-cycle-folders',
      severity: 'error',
      comment:
        'No cycle between libs taken as wholes (libs/x/src as one node): also a loop that no single chain of ' +
        'files closes. (Folder-level findings cannot be listed as known violations.)',
      scope: 'folder',
      from: { path: '^libs/([^/]+)/src$' },
      to: { path: '^libs/[^/]+/src', pathNot: '^libs/$1/', circular: true },
    },
    {
      name: 'deep-import',
      severity: 'error',
      comment:
        'Another lib is imported through its index (@sg/x) or one of PUBLIC_ENTRIES in .dependency-cruiser.cjs, not through its files.',
      from: { path: '^(libs/([^/]+)|apps)/' },
      to: {
        path: '^libs/[^/]+/',
        pathNot: [
          '^libs/$2/',
          '^libs/[^/]+/src/index\\.ts$',
          ...PUBLIC_ENTRIES.map((p) => `^libs/${p.replace(/[.]/g, '\\.')}\\.ts$`),
        ],
      },
    },
    {
      name: 'no-foreign-entity',
      severity: 'error',
      comment: "Another lib's table is read and written through that lib's services, never its entity file.",
      from: { path: '^(libs/([^/]+)|apps|migrations)/' },
      to: { path: '\\.entity\\.ts$', pathNot: '^libs/$2/' },
    },
    {
      name: 'lib-not-to-test-code',
      severity: 'error',
      comment: 'Lib code does not load tests, benchmarks or scripts (its own *.spec.ts files may use test/support).',
      from: { path: '^libs/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'migrations-standalone',
      severity: 'error',
      comment: 'A migration is frozen SQL: it imports no lib or app (whose code keeps changing).',
      from: { path: '^migrations/' },
      to: { path: '^(libs|apps)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    // `import type` counts: a type import still ties one lib's source to another's.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    skipAnalysisNotInRules: true,
  },
};
