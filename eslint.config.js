// ESLint (flat config): typescript-eslint and eslint-plugin-svelte, prettier for layout, and the
// house bounds on size (STYLE.md: one concept per file, about 400 lines at most). The line width is
// prettier's printWidth in .prettierrc, read here: one setting in one config.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const { printWidth } = JSON.parse(readFileSync(new URL('./.prettierrc', import.meta.url), 'utf8'));

/** The bounds: lines of a file and of a function, blank lines and comments not counted. */
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const sizeOptions = { skipBlankLines: true, skipComments: true };
// Prettier cannot break a string or a URL; a long comment is ours to wrap.
const maxLen = ['error', { code: printWidth, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }];

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'e2e/artifacts/', 'scratch/', 'resources/', '.bench-out/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  { languageOptions: { globals: globals.node } },
  { files: ['src-renderer/**'], languageOptions: { globals: globals.browser } },
  {
    rules: {
      'max-lines': ['error', { max: MAX_FILE_LINES, ...sizeOptions }],
      'max-lines-per-function': ['error', { max: MAX_FUNCTION_LINES, ...sizeOptions, IIFEs: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    // A test's body is the story of one behaviour, told in order: no bound on its length, and a test
    // file may hold twice a module's lines.
    files: ['**/*.test.ts', 'e2e/**/*.ts'],
    rules: { 'max-lines-per-function': 'off', 'max-lines': ['error', { max: 2 * MAX_FILE_LINES, ...sizeOptions }] },
  },
  {
    // Message tables (one line per UI string), not code.
    files: ['src-renderer/lib/i18n/*.ts'],
    rules: { 'max-lines': 'off' },
  },
  // Last: prettier owns layout, so eslint's formatting rules are off; max-len comes back after it,
  // at prettier's width, for what prettier does not wrap (comments).
  prettier,
  svelte.configs.prettier,
  { rules: { 'max-len': maxLen } },
);
