import { fileURLToPath } from 'node:url';

/** The workflows' entry point, bundled by Temporal's webpack into the worker's sandbox. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
