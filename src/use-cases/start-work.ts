// How a route starts work so that no instant of a dying process loses or doubles it: the record
// and its start request are written in one transaction, then the workflow is started. A repeat
// of the same keyed request finds the start it recorded and carries on with it.
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

/** The transaction step that records the start beside its record. */
export function recordStartOf(services: Services, caller: Caller, work: WorkStart): (tx: Transaction) => Promise<void> {
  return (tx) => recordStart(tx, services.codec, startRequest(services, caller, work));
}

function startRequest(services: Services, caller: Caller, work: WorkStart): StartRequest {
  return { ...work, taskQueue: services.config.taskQueue, requestRef: caller.idempotency?.ref ?? null };
}

/** A start sealed ahead of the write that records it, with its arguments kept in the clear to start it with. */
export interface PreparedStart {
  values: StartValues;
  args: unknown[];
}

/** Seals the start request before the record's write, so the write itself only inserts. */
export async function prepareStart(services: Services, caller: Caller, work: WorkStart): Promise<PreparedStart> {
  return { values: await startValues(services.codec, startRequest(services, caller, work)), args: work.args };
}

/**
 * Starts the recorded workflow. When Temporal does not answer, the work stays recorded and the
 * reconciler starts it: the answer is still 202, with `workflowStarted: false`.
 */
export async function startRecorded(services: Services, caller: Caller, workflowId: string): Promise<boolean> {
  const row = await findStart(services.db, workflowId);
  if (!row) throw new Error(`no recorded start for ${workflowId}`);
  return startedOrLeft(caller, workflowId, await dispatchStart(services.temporal, services.db, services.codec, row));
}

/** Starts the workflow this request has just recorded (prepareStart): nothing to read back first. */
export async function startPrepared(services: Services, caller: Caller, start: PreparedStart): Promise<boolean> {
  return startedOrLeft(caller, start.values.workflowId, await startJustRecorded(services.temporal, services.db, start.values, start.args));
}

function startedOrLeft(caller: Caller, workflowId: string, started: boolean): boolean {
  if (!started) caller.log.warn({ workflowId }, 'workflow not started now; the reconciler will start it');
  return started;
}

/** The work this keyed request recorded on an earlier try, started if that try died before. */
export async function earlierStart(services: Services, caller: Caller, subjectType: StartSubject): Promise<(StartRow & { started: boolean }) | undefined> {
  const row = await findStartByRequest(services.db, caller.idempotency?.ref);
  if (!row || row.subjectType !== subjectType) return undefined;
  caller.log.info({ workflowId: row.workflowId }, 'repeat of a keyed request: carrying on with its recorded work');
  return { ...row, started: await dispatchStart(services.temporal, services.db, services.codec, row) };
}
