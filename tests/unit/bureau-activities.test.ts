// Which activities run on the bureau's task queue, paced by the bureau's budget: exactly those that
// send the bureau a request. An activity that calls the bureau but is missing from the list would
// run unthrottled; one listed that does not would wait for the budget for nothing.
import { describe, expect, it } from 'vitest';
import { BUREAU_ACTIVITY_NAMES, createActivities, type ActivityDeps } from '../../src/activities';
import { loadConfig } from '../../src/config';

describe('the bureau’s activities', () => {
  it('are those whose code sends the bureau a request', () => {
    // The factories only keep their dependencies: nothing is called here.
    const activities = createActivities({ config: loadConfig({}) } as ActivityDeps);
    const callsBureau = Object.entries(activities)
      .filter(([, fn]) => /\bbureau\.|callBureau|askBureau/.test(fn.toString()))
      .map(([name]) => name);
    expect(callsBureau.sort()).toEqual([...BUREAU_ACTIVITY_NAMES].sort());
  });
});
