// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importBoundaries from './eslint.boundaries.js';

/**
 * Correctness rules only; formatting is Prettier's (`npm run format:check`). The type-aware
 * promise rules matter most here: a promise dropped in a job, a hook or a timer fails silently.
 */
export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      'require-await': 'off',
      '@typescript-eslint/require-await': 'error',
      eqeqeq: ['error', 'always'],
      // Braces for every body that spans lines; `if (done) return;` stays one line.
      curly: ['error', 'multi-line'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Which feature folder may import what (see eslint.boundaries.js).
  ...importBoundaries,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        Buffer: 'readonly',
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The sale board's script runs in the browser (plain script, no build step).
    files: ['src/board/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        setInterval: 'readonly',
      },
    },
  },
  {
    // The operator console's script runs in the browser (an ES module, no build step).
    files: ['src/console/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        globalThis: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        sessionStorage: 'readonly',
        crypto: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
);
