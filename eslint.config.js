// Lint rules that guard the architecture: workflow code must stay deterministic (no Node built-ins,
// no I/O modules), and no promise may float unawaited.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'stream', 'zlib', 'url', 'util', 'events', 'worker_threads', 'process', 'timers', 'buffer'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'var/**', '.tools/**', 'dist/**', 'eslint.config.js', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Cycle detection follows our own imports only; parsing bundled dependencies (PGlite) overflows the parser.
    settings: { 'import-x/ignore': ['node_modules'] },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O code.
    files: ['workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'Workflow and domain code must be deterministic and sandbox-safe.' })),
        patterns: [
          { group: ['**/src/*', '!**/src/domain', '**/src/!(domain)/**'], message: 'Workflows may import only src/domain.' },
          { group: ['pg', 'puppeteer', 'fastify', 'handlebars', '@google-cloud/*', 'pino'], message: 'No I/O libraries in workflow code.' },
        ],
      }],
    },
  },
);
