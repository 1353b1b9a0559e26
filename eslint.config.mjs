// Lint rules follow temporalio/sdk-typescript: type-only imports of activities into workflows,
// no floating promises, and no Node/I-O modules inside the deterministic workflow sandbox.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '**/*.golden.*', 'eslint.config.mjs', 'tools/lockfile/*.mjs'] },
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
  {
    files: ['workflows/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins.' },
            { group: ['mongodb', 'ssh2', 'koa', '@koa/*', 'pino'], message: 'Workflows do no I/O.' },
            {
              group: ['@temporalio/worker', '@temporalio/activity', '@temporalio/client'],
              message: 'Not in the sandbox.',
            },
          ],
        },
      ],
    },
  },
);
