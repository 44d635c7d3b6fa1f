// One quality gate over every file (npm run lint, part of npm test): ESLint's recommended rules
// everywhere; typescript-eslint's type-checked rules on all TypeScript (lib/, nodes/, test/), each
// file checked against its own tsconfig; no import cycles; Prettier owns the formatting.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.node-red-dev/**', 'bench/results/**', 'resources/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `const node = this` is the Node-RED idiom for node constructors.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    files: ['lib/**/*.ts', 'nodes/**/*.ts', 'test/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    // The editors: plain browser scripts, which scripts/build.js joins into each node's .html.
    files: ['nodes/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser, RED: 'readonly', $: 'readonly' },
    },
  },
  {
    files: ['scripts/**/*.js', 'bench/**/*.js', 'demo-api/**/*.js', 'test/**/*.js', '**/*.cjs'],
    ignores: ['bench/nodes/**'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
  },
  {
    // A Node-RED node of the benchmark's own (its .html is an editor file, its .js a runtime file).
    files: ['bench/nodes/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
);
