// ESLint: typescript-eslint's type-checked recommended rules over the project's TypeScript.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals, for the plain JavaScript files (CommonJS). */
const NODE_GLOBALS = Object.fromEntries(
  ['require', 'module', 'process', 'console', '__dirname', 'Buffer', 'Atomics', 'SharedArrayBuffer', 'Int32Array'].map((g) => [
    g,
    'readonly',
  ]),
);

/** Rules about values typed `any`: the code that reads parsed YAML, JSON or kubectl output works with untyped data by nature. */
const UNTYPED_DATA = Object.fromEntries(
  ['no-explicit-any', 'no-unsafe-member-access', 'no-unsafe-assignment', 'no-unsafe-return', 'no-unsafe-call', 'no-unsafe-argument'].map(
    (r) => [`@typescript-eslint/${r}`, 'off'],
  ),
);

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'imports/', 'node_modules/', 'coverage/', '.cdk8s.out/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Prettier wraps code at 140; this catches what it cannot wrap (long strings and comments).
      'max-len': ['error', { code: 140 }],
    },
  },
  {
    // Readers of untyped data: manifests parsed back from YAML (tests, verify checks, the API-rule
    // validator, footprint, the secrets hash) and kubectl's JSON (status, restore). Everything else is fully typed.
    files: [
      '__tests__/**',
      'verify/**',
      'lib/k8s-validation.ts',
      'lib/output-check.ts',
      'lib/footprint.ts',
      'app/status-table.ts',
      'app/offsite-fetch.ts',
      'app/restore-plan.ts',
      'app/secrets-hash.ts',
      'scripts/status.ts',
      'scripts/rotate.ts',
    ],
    rules: UNTYPED_DATA,
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'commonjs', globals: NODE_GLOBALS },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
