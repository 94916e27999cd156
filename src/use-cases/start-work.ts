// How a use case starts work so that no instant of a dying process loses or doubles it, in one
// call (`startWork`): a repeat of a keyed request finds the work its first try recorded (started
// now if that try died before); otherwise the use case's own steps run, writing its record with
// the start request beside it in one transaction, and the workflow is started, or left to the
// reconciler when Temporal does not answer (src/temporal/workflow-starts.ts has the outbox).
import { randomBytes } from 'node:crypto';
import type { Transaction } from '../db/audit';
import { chinaDay } from '../domain/china-time';
import {
  dispatchStart,
  findStart,
  findStartByRequest,
  recordStart,
  startJustRecorded,
  startValues,
  type StartRequest,
  type StartRow,
  type StartSubject,
  type StartValues,
} from '../temporal/workflow-starts';
import type { Caller, Services } from './context';

export type WorkStart = Omit<StartRequest, 'taskQueue' | 'requestRef'>;

/** A new id for a record: `<prefix><China date>-<10 hex>`, the same for every try of one keyed request. */
export function newWorkId(caller: Caller, prefix: string): string {
  const id = caller.idempotency;
  const day = chinaDay(id?.firstSeenAt ?? new Date()).replaceAll('-', '');
  return `${prefix}${day}-${id ? id.ref.slice(0, 10) : randomBytes(5).toString('hex')}`;
}

/** How the use case's steps record a start beside their record. */
export interface StartRecorder {
  /** The transaction step that records the start. */
  startWith(work: WorkStart): (tx: Transaction) => Promise<void>;
  /** The start sealed ahead of the write, for a write that only inserts (its values go in the same statement). */
  prepare(work: WorkStart): Promise<StartValues>;
}

export interface WorkSteps<T> {
  subject: StartSubject;
  /** What a repeat answers: the work its first try recorded. */
  found(earlier: StartRow): Promise<T>;
  /** The use case's own steps; `start`: the workflow they recorded (none: nothing to start). */
  record(recorder: StartRecorder): Promise<{ result: T; start: string | undefined }>;
}

export async function startWork<T>(services: Services, caller: Caller, steps: WorkSteps<T>): Promise<{ result: T; workflowStarted: boolean }> {
  const earlier = await findStartByRequest(services.db, caller.idempotency?.ref);
  if (earlier && earlier.subjectType === steps.subject) {
    caller.log.info({ workflowId: earlier.workflowId }, 'repeat of a keyed request: carrying on with its recorded work');
    const workflowStarted = await dispatchStart(services.temporal, services.db, services.codec, earlier);
    return { result: await steps.found(earlier), workflowStarted };
  }
  const requestOf = (work: WorkStart): StartRequest => ({ ...work, taskQueue: services.config.taskQueue, requestRef: caller.idempotency?.ref ?? null });
  const prepared = new Map<string, { values: StartValues; args: unknown[] }>();
  const { result, start } = await steps.record({
    startWith: (work) => (tx) => recordStart(tx, services.codec, requestOf(work)),
    prepare: async (work) => {
      const values = await startValues(services.codec, requestOf(work));
      prepared.set(work.workflowId, { values, args: work.args });
      return values;
    },
  });
  if (start === undefined) return { result, workflowStarted: false };
  const sealed = prepared.get(start);
  // Just recorded and sealed here: started with its arguments in the clear, nothing to read back.
  const started = sealed
    ? await startJustRecorded(services.temporal, services.db, sealed.values, sealed.args)
    : await dispatchStart(services.temporal, services.db, services.codec, (await findStart(services.db, start)) ?? missing(start));
  if (!started) caller.log.warn({ workflowId: start }, 'workflow not started now; the reconciler will start it');
  return { result, workflowStarted: started };
}

function missing(workflowId: string): never {
  throw new Error(`no recorded start for ${workflowId}`);
}
