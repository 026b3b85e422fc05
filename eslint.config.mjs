// ESLint flat config: recommended rules for TypeScript and JavaScript, plus the process
// boundaries of DESIGN.md, which are enforced here rather than left to review.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltinNames = builtinModules.filter((name) => !name.startsWith('_')).join('|');

/** Import bans, as `no-restricted-imports` patterns. */
const ban = {
  electron: {
    regex: '^electron(/|$)',
    message: 'This code must run without Electron (src/core, src/shared, src/cli): never import electron.',
  },
  nodeBuiltins: {
    regex: `^(node:|(${nodeBuiltinNames})(/|$))`,
    message: 'This code runs in the browser: never import Node.js built-in modules.',
  },
  rendererReachingOut: {
    regex: '^(\\.\\./)+(core|main|preload|cli)(/|$)',
    message: 'The renderer reaches Keyport only through the contract (src/shared and ./api), never src/core, src/main, src/preload or src/cli.',
  },
  preloadBeyondShared: {
    regex: '^(?!electron$|\\.\\./shared/|\\./)',
    message: 'The preload may import only electron and src/shared.',
  },
};

/** Browser globals that do not exist outside a page; src/core and src/shared never touch the DOM. */
const domGlobals = [
  'window',
  'document',
  'navigator',
  'localStorage',
  'sessionStorage',
  'location',
  'history',
  'indexedDB',
  'alert',
  'confirm',
  'prompt',
  'XMLHttpRequest',
  'HTMLElement',
  'customElements',
].map((name) => ({ name, message: `${name} is a DOM global: src/core and src/shared must run without a browser.` }));

/** Catches `import('electron')` and `require('electron')`, which no-restricted-imports does not see. */
const electronLoadSyntax = [
  {
    selector: 'ImportExpression[source.value=/^electron(\\u002F|$)/]',
    message: ban.electron.message,
  },
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value=/^electron(\\u002F|$)/]",
    message: ban.electron.message,
  },
];

export default defineConfig(
  globalIgnores(['out/', 'dist/', 'node_modules/', 'coverage/']),
  js.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    extends: [tseslint.configs.recommended],
    rules: {
      // `_`-prefixed parameters mark deliberately unused arguments (e.g. Electron event objects).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['src/core/**', 'src/shared/**'],
    rules: {
      'no-restricted-globals': ['error', ...domGlobals],
      'no-restricted-syntax': ['error', ...electronLoadSyntax],
    },
  },
  {
    files: ['src/core/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ban.electron] }] },
  },
  {
    // Shared code is bundled into the renderer and the preload, so it cannot use Node either.
    files: ['src/shared/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ban.electron, ban.nodeBuiltins] }] },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [ban.electron, ban.nodeBuiltins, ban.rendererReachingOut] }],
    },
  },
  {
    files: ['src/preload/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ban.preloadBeyondShared] }] },
  },
);
