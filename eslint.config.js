// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Globals that exist only in browsers or only in Node: none may appear in src/core/, which runs anywhere. */
const PLATFORM_GLOBALS = [
  'window', 'self', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage', 'indexedDB', 'caches',
  'IDBKeyRange', 'Worker', 'BroadcastChannel', 'fetch', 'XMLHttpRequest', 'process', 'Buffer', 'global', 'require',
  '__dirname', '__filename', 'setImmediate',
].map((name) => ({ name, message: 'src/core/ runs anywhere: take what you need as a parameter instead of a platform global.' }));

const NODE_BUILTINS = { group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'zlib', 'url', 'stream', 'child_process', 'worker_threads'], message: 'No Node built-ins here.' };
const TFJS = { group: ['@tensorflow/*'], message: 'TensorFlow.js only loads inside the worker (src/worker, src/model, src/search).' };
/**
 * The runtime/research boundary: what the SDK ships (src/) never imports the CLI's side (models/: dataset readers,
 * leave-one-out, metrics, baselines, training), nor the gateway, bench or tests. The CLI may import src/, never the
 * other way round.
 */
const RESEARCH = {
  regex: '(^|/)(models|gateway|bench|test|scripts)(/|$)',
  message: 'src/ is the shipped runtime: it never imports the CLI\'s training, dataset or evaluation code (models/), the gateway, bench or tests. Move what the runtime needs into src/.',
};

export default tseslint.config(
  { ignores: ['.cache/', '**/dist/', 'node_modules/', 'coverage/', 'test-results/', 'bench/results/', 'bench/tmp/', 'demo/vendor/', 'docs/api/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'No enums (Vite compiles files one by one): use an `as const` object and a union type.' }],
    },
  },
  {
    // Node scripts. (page.evaluate callbacks in them run in the browser, hence the browser globals too.)
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs', 'gateway/**/*.{js,mjs}', 'models/**/*.mjs', 'bin/**/*.{js,mjs}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['demo/**/*.js', 'bench/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [RESEARCH] }] },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...PLATFORM_GLOBALS],
      'no-restricted-imports': ['error', { patterns: [RESEARCH, NODE_BUILTINS, TFJS, { group: ['idb', 'comlink'], message: 'src/core/ imports nothing platform-specific.' }] }],
    },
  },
  {
    // The main thread: the facade, the embed and storage never load TensorFlow.js, nor the worker's code.
    files: ['src/index.ts', 'src/embed.ts', 'src/client/**/*.ts', 'src/storage/**/*.ts', 'src/sync/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [RESEARCH, NODE_BUILTINS, TFJS, { group: ['../worker/*', '../model/*', '../search/*'], message: 'The page must not bundle worker code.', allowTypeImports: true }] }],
    },
  },
  {
    files: ['src/model/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [RESEARCH, NODE_BUILTINS, { group: ['idb', '../storage/*', '../client/*'], message: 'src/model/ imports core and tfjs only.' }] }] },
  },
  {
    files: ['demo/**/*.{js,ts}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../src/*/**', '../../src/*/**'], message: 'The demo uses the public API only (src/index.ts or the built bundle).' }] }] },
  },
);
