// All activities, built from their dependencies once per worker.
import { declarationActivities } from './declarations';
import type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return { ...declarationActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
