// The activity of a declaration schedule's run: the run use case, with the worker's services.
import { log } from '@temporalio/activity';
import type { ScheduleRunSummary } from '../domain/declaration-schedule';
import { runDeclarationSchedule } from '../use-cases/run-declaration-schedule';
import type { ActivityDeps } from './deps';

export function declarationScheduleActivities({ db, temporal, bureau, config, codec }: Pick<ActivityDeps, 'db' | 'temporal' | 'bureau' | 'config' | 'codec'>) {
  const services = { db, temporal, bureau, config, codec };
  return {
    async runDeclarationSchedule(input: { scheduleId: string; scheduledAt: string }): Promise<ScheduleRunSummary> {
      return runDeclarationSchedule(services, {
        scheduleId: input.scheduleId,
        scheduledAt: new Date(input.scheduledAt),
        trigger: 'calendar',
        triggeredBy: `schedule:${input.scheduleId}`,
        log: { info: (obj, msg) => log.info(msg, { ...obj }), warn: (obj, msg) => log.warn(msg, { ...obj }) },
      });
    },
  };
}
