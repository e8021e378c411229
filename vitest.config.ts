import { defineConfig } from 'vitest/config';

// One runner for the whole repo. Each workspace is a project so `npm test -w <pkg>` can pick one.
// The `source` condition makes workspace packages resolve to their TypeScript sources, so tests
// never run against a stale `dist/`.
const shared = {
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
};

export default defineConfig({
  test: {
    reporters: ['default'],
    passWithNoTests: false,
    allowOnly: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        ...shared,
        test: { name: 'contracts', root: './contracts', include: ['src/**/*.test.ts'] },
      },
      {
        ...shared,
        test: {
          name: 'sdk-node',
          root: './sdk-node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        ...shared,
        test: {
          name: 'tower-server',
          root: './tower-server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        ...shared,
        test: {
          name: 'airbag',
          root: './airbag',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        ...shared,
        test: {
          name: 'tower-ui',
          root: './tower-ui',
          include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
        },
      },
      { ...shared, test: { name: 'system', root: './test', include: ['**/*.test.ts'] } },
    ],
  },
});
