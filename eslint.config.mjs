// Type-aware linting, and the dependency rule: inner layers never import outer ones or SDKs.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const sdkPackages = ['@azure/*', 'durable-functions', 'durable-functions/*', 'jose', 'zod', 'node:*'];

// Product code (src/ outside src/local) never reaches the embedded runtime, the benchmark or the
// emulators' internals: they run the product, it does not know them (docs/architecture.md). Every
// layer's rule below repeats these, since a later rule for the same files replaces an earlier one.
const localOnly = [
  { group: ['**/local/**', './local/**', '**/bench/**'], message: 'Product code never imports src/local or bench.' },
  {
    group: ['azurite', 'azurite/*', 'lokijs', '@vercel/cosmosdb-server', '@vercel/cosmosdb-server/*', '@zeit/cosmosdb-query', '@zeit/cosmosdb-query/*', 'durable-functions/lib/*'],
    message: 'Emulator packages and SDK internals belong to src/local.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '**/*.mjs', '**/*.js', 'portal/dist/**', 'portal/src/api/schema.d.ts', 'portal/src/api/requiredRoles.ts'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/return-await': ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/local/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: localOnly }] },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: sdkPackages, message: 'src/domain is pure: no SDKs or I/O.' },
          { group: ['**/app/**', '**/ports/**', '**/adapters/**', '**/functions/**', '**/http/**', '**/config', '**/compositionRoot'], message: 'src/domain imports nothing outside itself.' },
          ...localOnly,
        ],
      }],
    },
  },
  {
    files: ['src/app/**/*.ts', 'src/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@azure/*', 'durable-functions', 'durable-functions/*'], message: 'Use cases take ports, never SDK clients.' },
          { group: ['**/adapters/**', '**/functions/**', '**/http/**', '**/compositionRoot'], message: 'Use cases depend on domain and ports only.' },
          ...localOnly,
        ],
      }],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/functions/**', '**/http/**', '**/compositionRoot'], message: 'Adapters implement ports; they do not reach the entry layers.' },
          ...localOnly,
        ],
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
