// Every workflow the worker runs.
export { declarationWorkflow } from './declaration';
