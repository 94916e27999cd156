// Recording a batch declaration (批量申报) with its workflow's start, for whoever starts one: an
// operator's request (src/use-cases/start-declaration-batch.ts) or a schedule's run
// (./scheduled-runs.ts). The batch, its entries, its start and what else stands for it are one
// transaction; the start is then made, or left to the reconciler.
import type { Config } from '../config';
import type { BatchDeclarationInput } from '../contracts/batch';
import { WORKFLOW } from '../contracts/workflow-types';
import type { AesGcmCodec } from '../codec/aes-gcm-codec';
import type { Transaction } from '../db/audit';
import { insertBatch, knownEmployerIds, type BatchRow } from '../db/batches';
import type { Db } from '../db/client';
import { allEmployerIds } from '../db/employers';
import { DEFAULT_CONTINUE_AS_NEW_EVERY, MAX_BATCH_EMPLOYERS } from '../domain/batch';
import { recordStart } from './workflow-starts';

/** Why a batch cannot be made for these employers: the problem a request answers, the reason a run records. */
export interface BatchRefusal {
  code: 'UNKNOWN_EMPLOYERS' | 'NO_EMPLOYERS' | 'BATCH_TOO_LARGE';
  title: string;
  detail: string;
  employerIds?: string[];
}

/** The employers a batch declares for: the listed ones, all known here, or every employer. */
export async function batchEmployers(db: Db, listed: string[] | undefined): Promise<{ employerIds: string[] } | { refusal: BatchRefusal }> {
  if (listed) {
    const known = await knownEmployerIds(db, listed);
    const unknown = listed.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      return { refusal: { code: 'UNKNOWN_EMPLOYERS', title: 'Some employers are not known here', detail: `add them first (POST /api/employers): ${unknown.slice(0, 20).join(', ')}`, employerIds: unknown } };
    }
    return { employerIds: listed };
  }
  const all = await allEmployerIds(db);
  if (all.length === 0) return { refusal: { code: 'NO_EMPLOYERS', title: 'There are no employers to declare for', detail: 'add employers first (POST /api/employers)' } };
  if (all.length > MAX_BATCH_EMPLOYERS) {
    return { refusal: { code: 'BATCH_TOO_LARGE', title: 'Too many employers for one batch', detail: `at most ${MAX_BATCH_EMPLOYERS}: list them in several batches with employerIds` } };
  }
  return { employerIds: all };
}

export const batchWorkflowId = (batchId: string) => `declaration-batch-${batchId}`;

export interface NewDeclarationBatch {
  id: string;
  period: string;
  employerIds: string[];
  allEmployers: boolean;
  concurrency: number;
  actor: string;
  /** The request (or the schedule's run) that asks for it: a repeat finds this start. */
  requestRef: string | null;
}

/** The batch and its workflow's start, recorded together with what `alsoRecord` writes. */
export async function recordDeclarationBatch(
  deps: { db: Db; codec: AesGcmCodec; config: Pick<Config, 'taskQueue' | 'declaration'> },
  b: NewDeclarationBatch,
  alsoRecord?: (tx: Transaction, batchId: string) => Promise<void>,
): Promise<BatchRow> {
  const workflowId = batchWorkflowId(b.id);
  const input: BatchDeclarationInput = {
    batchId: b.id,
    period: b.period,
    total: b.employerIds.length,
    concurrency: b.concurrency,
    continueAsNewEvery: DEFAULT_CONTINUE_AS_NEW_EVERY,
    timing: deps.config.declaration,
  };
  return insertBatch(deps.db, { ...b, workflowId }, async (tx) => {
    await recordStart(tx, deps.codec, {
      workflowId,
      workflowType: WORKFLOW.batchDeclarationWorkflow,
      taskQueue: deps.config.taskQueue,
      subjectType: 'batch',
      subjectId: b.id,
      requestRef: b.requestRef,
      attributes: { period: b.period, status: 'running' },
      args: [input],
    });
    await alsoRecord?.(tx, b.id);
  });
}
