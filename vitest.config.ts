import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One runner for the whole repo. Each workspace is a project so `npm test -w <pkg>` can pick one.
// The `source` condition makes workspace packages resolve to their TypeScript sources, so tests
// never run against a stale `dist/`. Projects do not inherit root test options, so each gets them.
// Roots are absolute: a package's `npm test` runs Vitest with `--root ..` from the package
// directory, where a relative root resolves against the wrong directory and finds no test files.
function project(name: string, root: string, include: string[]) {
  return {
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      name,
      root: fileURLToPath(new URL(root, import.meta.url)),
      include,
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

const tests = ['src/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    reporters: ['default'],
    passWithNoTests: false,
    allowOnly: false,
    projects: [
      project('contracts', './contracts', ['src/**/*.test.ts']),
      project('server-kit', './server-kit', ['src/**/*.test.ts']),
      project('sdk-node', './sdk-node', tests),
      project('tower-server', './tower-server', tests),
      project('airbag', './airbag', tests),
      project('tower-ui', './tower-ui', ['src/**/*.test.ts', 'e2e/**/*.test.ts']),
      project('system', './test', ['**/*.test.ts']),
    ],
  },
});
