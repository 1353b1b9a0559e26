import { defineConfig } from 'vitest/config';

// Two tiers (STYLE.md §16): unit tests beside the code, no servers; integration and end-to-end
// tests under test/, sharing one real MongoDB-protocol server and one real Temporal server
// started by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{api,agent,workflows,shared,db,tools,lab,ui,cli,client}/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/temporal-runtime.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
