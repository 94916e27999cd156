import { fileURLToPath } from 'node:url';

/** The workflows' entry point, bundled by Temporal's webpack into the worker's sandbox. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The workflow interceptors every bundle carries: a run's close is told to the worker, which archives it. */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../workflows/close-interceptor.ts', import.meta.url))];

/** What every bundle of our workflows is made of (the worker, the replayer, the tests, the benches). */
export const WORKFLOW_BUNDLE = { workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES };
