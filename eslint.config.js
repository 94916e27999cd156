import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// The product does not depend on the tools built around it (the chaos harness in tools/chaos).
const noWorkflowCode = { group: ['**/workflows', '**/workflows/*'], message: 'Import the workflow’s contract (src/contracts), not its code.' };
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
  // The house (docs/development.md): domain ← contracts ← infrastructure (db, bureau client,
  // render, Temporal starts) ← use cases ← api; activities use infrastructure only; workflows use
  // contracts, domain and the activities' types. tests/unit/house.test.ts checks there is no circle.
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noTools, { group: ['**/contracts/*', '**/db/*', '**/api/*', '**/use-cases/*', '**/activities/*', '**/workflows/*', '**/temporal/*', '**/worker/*'], message: 'The domain is pure rules: it imports only the domain.' }] },
      ],
    },
  },
  {
    files: ['src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noTools, { group: ['**/db/*', '**/api/*', '**/use-cases/*', '**/activities/*', '**/workflows/*', '**/temporal/*', '**/worker/*'], message: 'Contracts are types and message definitions over the domain.' }] },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noTools, noWorkflowCode] }] },
  },
  {
    files: ['src/use-cases/**/*.ts', 'src/temporal/**/*.ts', 'src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noTools, noWorkflowCode, { group: ['**/api/*'], message: 'The API is the outer layer: nothing below imports it (the problem type is src/domain/problem.ts).' }] }],
    },
  },
  {
    // Workflows import the activities' types; activities importing workflow code or the layers above would close a circle.
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noTools, { group: ['**/workflows', '**/workflows/*', '**/use-cases/*', '**/api/*'], message: 'Activities are thin adapters over the infrastructure: no workflow code, use case or API module.' }] },
      ],
    },
  },
);
