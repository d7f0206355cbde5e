// ESLint (flat config), run by `npm run lint` and so by npm test. Prettier lays the code out
// (.prettierrc.json); ESLint finds mistakes (@eslint/js and typescript-eslint's recommended rules,
// which need no type information) and holds every line to the same limit as Prettier's printWidth,
// including the comments Prettier never rewraps.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The line-length limit: Prettier's printWidth (.prettierrc.json), black's (python/pyproject.toml) and flake8's (.flake8). */
const MAX_LEN = 140;

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      'dist/',
      'runs/',
      '.bench/',
      // AssemblyScript, not TypeScript (decorators on functions, i32/usize casts): tsc skips it too.
      'agents/kernels/assembly/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    plugins: { '@stylistic': stylistic },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Prettier breaks the code; what it cannot break, a comment or a long string, must be wrapped by
      // hand. Only URLs and regular expressions may run past the limit (and, in test/, strings: the
      // test names that read as sentences).
      '@stylistic/max-len': ['error', { code: MAX_LEN, tabWidth: 2, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreComments: false }],
      // Unused variables are mistakes, except those named _… on purpose: a parameter kept for its
      // position, a key a rest destructuring drops, a loop variable only counted.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `cond ? a() : b()` as a statement picks one of two calls; short-circuit statements stay flagged.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
    },
  },
  {
    // The conformance checks and the tests read decoded frames whose shape is the thing under test,
    // field by field: `any` is what they are given.
    files: ['conformance/**', 'test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      '@stylistic/max-len': [
        'error',
        {
          code: MAX_LEN,
          tabWidth: 2,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreComments: false,
        },
      ],
    },
  },
  {
    // The env page and the dashboard's page run in the browser.
    files: ['web/**', 'agents/dashboard/page/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
