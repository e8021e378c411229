import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.artifacts/**',
      'tower-ui/e2e/screenshots/**',
      '**/*.js',
      '**/*.cjs',
    ],
  },
  {
    // Plain-JS scripts (benchmarks, examples, CI helpers): recommended rules, no type information.
    files: ['**/*.mjs'],
    ...js.configs.recommended,
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 'latest', sourceType: 'module' },
  },
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'tower-ui/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['tower-ui/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Borders: which folder may import what (one rule, `no-restricted-imports`, per folder).
  // Tower features call each other's services and schemas, never another feature's store (SQL
  // lives in stores) or routes (wired in app.ts); shared modules import no store at all.
  {
    files: ['tower-server/src/*/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./[^/]+/[^/]+-(store|routes)\\.js$',
              message:
                "Another feature's store or routes: call its service instead (SQL stays in the owner's store; routes are wired in app.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['tower-server/src/*.ts'],
    ignores: ['**/*.test.ts', 'tower-server/src/app.ts', 'tower-server/src/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\./[^/]+/[^/]+-store\\.js$',
              message: "A feature's store is private to its folder: use the feature's service.",
            },
          ],
        },
      ],
    },
  },
  // SQL lives in stores only (and db.ts: transactions, the readiness ping): a `.query()` with a
  // literal or template first argument anywhere else in Tower is an error.
  {
    files: ['tower-server/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'tower-server/src/**/*-store.ts', 'tower-server/src/db.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='query'][arguments.0.type=/^(Literal|TemplateLiteral)$/]",
          message: "SQL outside a store: put the query in the feature's *-store.ts.",
        },
      ],
    },
  },
  // tower-ui (bulletproof-react): a feature uses another feature only through its index.ts;
  // shared code lives in components/ and lib/, which import no feature; features never import app/.
  {
    files: ['tower-ui/src/features/*/*/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./[^/.][^/]*/(?!index\\.js$)',
              message: "Another feature's internals: import from its index.js (its public API).",
            },
            { regex: '/app/', message: 'Features do not import the app layer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['tower-ui/src/features/*/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./[^/.][^/]*/(?!index\\.js$)',
              message: "Another feature's internals: import from its index.js (its public API).",
            },
            { regex: '/app/', message: 'Features do not import the app layer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['tower-ui/src/components/**/*.{ts,tsx}', 'tower-ui/src/lib/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '/features/', message: 'Shared code (components/, lib/) imports no feature.' },
            { regex: '/app/', message: 'Shared code (components/, lib/) imports no app code.' },
          ],
        },
      ],
    },
  },
  {
    // Tests may use non-null assertions and loose typing on fixtures.
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
