import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// The product does not depend on the tools built around it (the chaos harness in tools/chaos).
const noTools = { group: ['**/tools/*'], message: 'src/ must not import from tools/; tools use the product, not the other way round.' };

export default tseslint.config(
  { ignores: ['node_modules', 'client/schema.d.ts', 'data', '.tools', 'migrations', 'tests/.artifacts', 'src/console/vendor'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noTools] }] },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not import Node built-ins; use an activity.' })),
          patterns: [
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Import activity types only (import type), through proxyActivities.' },
            { group: ['**/db/*', '**/api/*', '**/bureau/server*', '**/bureau/client*'], message: 'Workflows do no I/O; use an activity.' },
          ],
        },
      ],
    },
  },
  {
    // Workflows import the activities' types; activities importing workflow code would close an import circle.
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noTools, { group: ['**/workflows', '**/workflows/*'], message: 'Activities import no workflow module; shared types belong in src/domain.' }] }],
    },
  },
);
