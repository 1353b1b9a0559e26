// Lint rules follow temporalio/sdk-typescript: type-only imports of activities into workflows,
// no floating promises, and no Node/I-O modules inside the deterministic workflow sandbox.
// The layering rules keep the folders' roles true (README "Layout"; the whole graph is checked by
// tools/architecture/layering.test.ts): each folder imports only from the folders below it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Top-level folders that a folder's code may not import from (its tests may: they sit above everything). */
export const FORBIDDEN = {
  shared: ['api', 'db', 'workflows', 'agent', 'lab', 'tools', 'cli', 'client', 'ui', 'test', 'bench'],
  db: ['api', 'workflows', 'agent', 'lab', 'tools', 'cli', 'client', 'ui', 'test', 'bench'],
  agent: ['api', 'db', 'workflows', 'lab', 'tools', 'cli', 'client', 'ui', 'test', 'bench'],
  workflows: ['api', 'agent', 'lab', 'tools', 'cli', 'client', 'ui', 'test', 'bench'],
  api: ['agent', 'lab', 'tools', 'cli', 'client', 'ui', 'test', 'bench'],
  client: ['api', 'agent', 'db', 'workflows', 'lab', 'tools', 'cli', 'ui', 'test', 'bench'],
  cli: ['api', 'agent', 'db', 'workflows', 'lab', 'tools', 'ui', 'test', 'bench'],
  // The far side of the wire: it may reuse the agent's protocol code and the dev tools, never the control plane.
  lab: ['api', 'db', 'workflows', 'cli', 'client', 'ui', 'test', 'bench'],
  // The dashboard runs in a browser: it speaks to the API through the typed client only.
  ui: ['api', 'agent', 'db', 'workflows', 'lab', 'tools', 'cli', 'test', 'bench'],
  tools: ['test', 'bench'],
};

/** Only the persistence layer (and the tools that start and probe database servers) speak to MongoDB. */
export const MONGODB_ALLOWED = ['db', 'tools', 'bench', 'test'];

/** Deepest folder nesting the layering rules cover (a file deeper than this is reported by layering.test.ts). */
const MAX_DEPTH = 6;

function mongodbPatterns(folder) {
  return MONGODB_ALLOWED.includes(folder)
    ? []
    : [{ group: ['mongodb'], message: `Persistence lives in db/: ${folder}/ uses its repositories, not the driver.` }];
}

/**
 * Relative imports name the repository root by climbing: a file `depth` folders down reaches
 * `<root>/<other>/` as `../` × depth + `<other>/`, so one block per depth.
 */
function layerBlocks(folder, { under = '', extra = [] } = {}) {
  const base = [folder, ...(under ? [under] : [])].join('/');
  const baseDepth = base.split('/').length;
  return Array.from({ length: MAX_DEPTH - baseDepth + 1 }, (_, i) => {
    const depth = baseDepth + i;
    const up = '../'.repeat(depth);
    return {
      files: [`${base}/${'*/'.repeat(i)}*.ts`, `${base}/${'*/'.repeat(i)}*.tsx`],
      ignores: ['**/*.test.ts', '**/*.test.tsx'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              ...(FORBIDDEN[folder] ?? []).map((other) => ({
                group: [`${up}${other}/**`],
                message: `${folder}/ must not import from ${other}/ (layering: README "Layout").`,
              })),
              ...mongodbPatterns(folder),
              ...extra,
            ],
          },
        ],
      },
    };
  });
}

const SANDBOX_PATTERNS = [
  { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins.' },
  { group: ['mongodb', 'ssh2', 'koa', '@koa/*', 'pino'], message: 'Workflows do no I/O.' },
  {
    group: ['@temporalio/worker', '@temporalio/activity', '@temporalio/client'],
    message: 'Not in the sandbox.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '**/dist/**',
      'coverage/**',
      '**/*.golden.*',
      'eslint.config.mjs',
      'tools/lockfile/*.mjs',
      // The bin launcher: four lines of plain JavaScript that load the TypeScript CLI through tsx.
      'cli/rackpilot.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Tests beside the code may use fixtures and simulators from above; they still do not touch MongoDB.
  ...Object.keys(FORBIDDEN).map((folder) => ({
    files: [`${folder}/**/*.test.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: mongodbPatterns(folder) }] },
  })),
  ...Object.keys(FORBIDDEN).flatMap((folder) => layerBlocks(folder)),
  // The sandbox's own rules replace the folder's (a later block wins), so they repeat the layering ones.
  ...layerBlocks('workflows', { under: 'workflows', extra: SANDBOX_PATTERNS }),
);
