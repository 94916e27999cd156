// The answers of the auditor's routes: workflows from Temporal visibility, their histories and
// replays, the archive with its check, and the hash-chained audit log with its check.
import { CloneType } from '@sinclair/typebox';
import { WORKFLOW_TYPE_FACTS, WORKFLOW_TYPE_NAMES } from '../../contracts/workflow-types';
import { EXECUTION_STATUSES } from '../../temporal/visibility';
import { Enum, Id, Nullable, Period, Timestamp, Type } from './common';

export const WorkflowType = Enum(
  WORKFLOW_TYPE_NAMES,
  `the Temporal workflow type: ${WORKFLOW_TYPE_NAMES.map((type) => `${type}: ${WORKFLOW_TYPE_FACTS[type].meaning}`).join('; ')}`,
);

export type ExecutionStatusName = keyof typeof EXECUTION_STATUSES;
export const EXECUTION_STATUS_NAMES = Object.keys(EXECUTION_STATUSES) as ExecutionStatusName[];
const ExecutionStatus = (description: string) => Enum(EXECUTION_STATUS_NAMES, description);

export const HISTORY_SOURCES = ['temporal', 'archive'] as const;

const BusinessStatus = (description: string) => Nullable(Type.String({ description }));
const WorkflowId = Id('workflow');
const RunId = Type.String({ description: 'a run of the workflow (UUID)' });

export const WorkflowView = Type.Object({
  workflowId: WorkflowId,
  runId: RunId,
  type: WorkflowType,
  status: ExecutionStatus('the execution status'),
  businessStatus: BusinessStatus('the status the API shows for the workflow’s resource (search attribute BusinessStatus), e.g. accepted, paid, printing'),
  employerId: Nullable(Id('employer')),
  period: Nullable(Period),
  startTime: Timestamp,
  closeTime: Nullable(Timestamp),
  historyLength: Type.Integer({ description: 'events in its history' }),
  parentWorkflowId: Nullable(Id('the parent workflow')),
  historyUrl: Type.String({ description: 'GET: the history as JSON' }),
  temporalUiUrl: Type.String({ description: 'the workflow in the Temporal UI' }),
});

export const WorkflowList = Type.Object({
  workflows: Type.Array(WorkflowView, { description: 'newest start first' }),
  query: Type.String({ description: 'the visibility query that found them' }),
});

/**
 * A history in proto3 JSON, as `temporal workflow show --output json` writes it. Sent as the text
 * Temporal or the archive holds (a string, never re-serialized), so its hash is that of the archive.
 */
export const HistoryFile = Type.Unsafe<string>({
  description: 'the history as JSON (attachment `<workflowId>.json`)',
  headers: {
    'x-history-source': { type: 'string', enum: [...HISTORY_SOURCES], description: 'where the history came from' },
    'content-disposition': { type: 'string', description: 'attachment; filename="<workflowId>.json"' },
  },
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          events: {
            type: 'array',
            items: { type: 'object', properties: { eventId: { type: 'string' }, eventType: { type: 'string' } }, required: ['eventId', 'eventType'], additionalProperties: true },
          },
        },
        required: ['events'],
        additionalProperties: true,
      },
    },
  },
});

export const ReplayResult = Type.Object({
  workflowId: WorkflowId,
  runId: Nullable(RunId),
  ok: Type.Boolean({ description: 'the current code explains the history' }),
  error: Type.Optional(Type.String({ description: 'why not (non-determinism, undecryptable payloads, not found)' })),
  source: Type.Optional(Enum(HISTORY_SOURCES, 'where the history came from (absent when it was found nowhere)')),
});

export const ReplayAnswer = Type.Object({
  results: Type.Array(ReplayResult, { description: 'one per workflow asked for (or found), in that order' }),
  replayed: Type.Integer({ description: 'histories found and replayed' }),
  failed: Type.Integer({ description: 'results that are not ok' }),
});

export const ArchivedHistory = Type.Object({
  workflowId: WorkflowId,
  runId: RunId,
  type: WorkflowType,
  status: ExecutionStatus('how the run closed: completed, failed, terminated, …'),
  businessStatus: BusinessStatus('the business status it closed with'),
  employerId: Nullable(Id('employer')),
  period: Nullable(Period),
  startTime: Timestamp,
  closeTime: Timestamp,
  historyLength: Type.Integer({ description: 'events in its history' }),
  archivedAt: Timestamp,
  sha256: Type.String({ description: 'of the history as GET historyUrl answers it; also in the audit chain (workflow.archived)' }),
  bytes: Type.Integer({ description: 'the history’s size in bytes' }),
  historyUrl: Type.String({ description: 'GET: the archived history' }),
});

/** A page of a list: its items and the cursor of the next page (null on the last). */
const NextCursor = Nullable(Type.Integer({ description: 'pass as `cursor` for the next page; null on the last' }));

export const ArchivePage = Type.Object({ histories: Type.Array(ArchivedHistory, { description: 'newest archived first' }), nextCursor: NextCursor });

const ChainHead = Nullable(Type.Object({ seq: Type.Integer(), hash: Type.String() }, { description: 'the last entry: keep its hash elsewhere to notice entries cut off the end' }));

export const ChainCheck = Type.Object({
  intact: Type.Boolean(),
  checked: Type.Integer({ description: 'entries found good before the first break' }),
  head: ChainHead,
  firstBroken: Type.Optional(
    Type.Object({
      seq: Type.Integer({ description: 'the entry; of a deleted entry, the one after the entry before it' }),
      chainPos: Type.Integer({ description: 'the chain position; of a deleted entry, exact where seq is the one after the entry before it' }),
      problem: Enum(['edited', 'deleted', 'inserted'], 'edited: no longer matches its hash; deleted: gone; inserted: put in or moved'),
      detail: Type.String(),
    }),
  ),
});

export const ArchiveCheck = Type.Object({
  intact: Type.Boolean(),
  checked: Type.Integer({ description: 'archived histories hashed again' }),
  problems: Type.Array(
    Type.Object({
      workflowId: WorkflowId,
      runId: Type.Union([RunId, Type.Null()], { description: 'null for a lost workflow: no history names its run' }),
      problem: Enum(
        ['changed', 'missing', 'unrecorded', 'lost'],
        'changed: differs from the recorded hash; missing: recorded, gone; unrecorded: never recorded by the archiver; ' +
          'lost: a workflow our records started whose history is neither in Temporal nor in the archive',
      ),
      detail: Type.String(),
    }),
  ),
  chain: CloneType(ChainCheck, { description: 'the audit log’s own check: the recorded hashes are only as good as it' }),
  inTemporal: Type.Integer({ description: 'started workflows not archived yet, found in Temporal' }),
});

export const ArchiveRun = Type.Object({
  archived: Type.Integer({ description: 'histories archived by this run' }),
  workflowId: Type.String({ description: 'the archiver run that did it' }),
});

/** An audit entry's detail: what the action needs said, different for each. */
export const AuditDetail = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description: 'what the action needs said (amounts, reasons, ids …)' });

export const AuditEntry = Type.Object({
  seq: Type.Integer({ description: 'the order entries were begun in' }),
  chainPos: Type.Integer({ description: 'the place in the hash chain (its order); seq is the order entries were begun in' }),
  at: Timestamp,
  actor: Type.String({ description: 'the API key name, `system` for workflows, `bureau` for what the bureau answered' }),
  action: Type.String({ description: '<resource>.<what happened>, e.g. declaration.accepted, payment.paid, certificate.tax.printed, workflow.archived' }),
  subject: Type.String({ description: 'the id of what was acted on' }),
  detail: AuditDetail,
  prevHash: Type.String({ description: 'the hash of the entry before it in the chain' }),
  hash: Type.String({ description: 'SHA-256 over prevHash and this entry' }),
});

export const AuditPage = Type.Object({ entries: Type.Array(AuditEntry, { description: 'in chain order (or reversed with order=desc)' }), nextCursor: NextCursor });
