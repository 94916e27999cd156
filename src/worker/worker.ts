// Builds a service's workers: one for its task queue (the workflow bundle and every activity) and
// one for the bureau's (the activities that call the bureau).
//
// The bureau's budget (BUREAU_MAX_REQUESTS_PER_SECOND) holds for all workers together, in two
// layers. Temporal dispatches the bureau queue's activities at most that many a second across all
// its pollers (`maxTaskQueueActivitiesPerSecond`, enforced by the server), so whatever is queued —
// preparations of several batches, declarations' submissions and result fetches, payments — waits
// its turn in the order it came, and an activity only reaches a worker when the budget has room.
// Temporal's limit is a token bucket per task-queue partition, bursty over a second; each request
// then also takes its moment from the pace in the database (src/db/bureau-pace.ts), so the bureau
// never sees more than the budget in any second.
import { Runtime, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { bureauActivities, createActivities, type Activities, type ActivityDeps } from '../activities';
import { bureauPacer } from '../db/bureau-pace';
import { bureauTaskQueue } from '../contracts/task-queues';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../temporal/workflows-path';
import { ActivityGuard } from './activity-interceptors';
import { archiveOnClose } from './archive-on-close';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Requests a second to the bureau for all workers together (config bureauMaxRequestsPerSecond); 0: no limit. */
  bureauMaxRequestsPerSecond: number;
  /** A prebuilt bundle (tests bundle once per run); otherwise the workflows are bundled now. */
  workflowBundle?: { code: string } | undefined;
  dataConverter?: WorkerOptions['dataConverter'];
  /** Further options of the service queue's worker (e.g. maxCachedWorkflows). */
  options?: Partial<WorkerOptions>;
  /** Instead of the real activities (a benchmark's baseline of empty ones). */
  activities?: Activities;
}

/** The two workers of a service, run and stopped together. */
export interface ServiceWorkers {
  readonly main: Worker;
  readonly bureau: Worker;
  /** Until both stop; when one fails, the other is shut down and the failure is thrown. */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorker(setup: WorkerSetup): Promise<ServiceWorkers> {
  const budget = setup.bureauMaxRequestsPerSecond;
  const bureau = budget > 0 ? setup.deps.bureau.paced(bureauPacer(setup.deps.db, budget)) : setup.deps.bureau;
  // Every activity on the service's queue too: bureau activities scheduled there by older workflow code still run.
  const activities = setup.activities ?? createActivities({ ...setup.deps, bureau });
  const interceptors: WorkerOptions['interceptors'] = { activity: [(ctx) => ({ inbound: new ActivityGuard(ctx, setup.deps.db) })] };
  const common = { connection: setup.connection, namespace: setup.namespace, interceptors, ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}) };
  const archiveSinks = archiveOnClose({ client: setup.deps.temporal, db: setup.deps.db, taskQueue: setup.taskQueue, log: Runtime.instance().logger });
  const main = await Worker.create({
    ...common,
    taskQueue: setup.taskQueue,
    activities,
    sinks: archiveSinks,
    ...(setup.workflowBundle
      ? { workflowBundle: setup.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, interceptors: { ...interceptors, workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
    ...setup.options,
  });
  const bureauWorker = await Worker.create({
    ...common,
    taskQueue: bureauTaskQueue(setup.taskQueue),
    activities: bureauActivities(activities),
    ...(budget > 0 ? { maxTaskQueueActivitiesPerSecond: budget } : {}),
  });
  return {
    main,
    bureau: bureauWorker,
    async run() {
      const workers = [main, bureauWorker];
      await Promise.all(
        workers.map((w) =>
          w.run().catch((err: unknown) => {
            for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
            throw err;
          }),
        ),
      );
    },
    shutdown() {
      for (const w of [main, bureauWorker]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
