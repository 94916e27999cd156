// Our workflows in Temporal's visibility: their types by short name, execution statuses, and the
// list queries of GET /api/workflows and of the archiver, always within one task queue.
import { ROUTINE_WORKFLOW_TYPES, SHORT_WORKFLOW_TYPES, WORKFLOW } from '../contracts/workflow-types';
import { BusinessStatus, EmployerId, FeePeriod } from '../contracts/search-attributes';

/** Our workflow types by a short name or their own (the filter takes either). */
export const TYPE_NAMES = [...Object.keys(SHORT_WORKFLOW_TYPES), ...Object.values(SHORT_WORKFLOW_TYPES)];

/** Execution statuses as the API shows them, and as visibility queries spell them. */
export const EXECUTION_STATUSES = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  continued_as_new: 'ContinuedAsNew',
  timed_out: 'TimedOut',
} as const;
export type ExecutionStatus = keyof typeof EXECUTION_STATUSES | 'closed';

/** A visibility query literal. Inputs are validated by pattern already; quote anyway. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface WorkflowFilter {
  type?: string | undefined;
  /** false: without ROUTINE_WORKFLOW_TYPES (a `type` asked for is still listed). */
  routine?: boolean | undefined;
  status?: ExecutionStatus | undefined;
  employerId?: string | undefined;
  period?: string | undefined;
  businessStatus?: string | undefined;
}

/** The visibility query of a filter, always within this service's task queue. */
export function visibilityQuery(taskQueue: string, f: WorkflowFilter): string {
  const parts = [`TaskQueue = ${literal(taskQueue)}`];
  if (f.type) parts.push(`WorkflowType = ${literal(SHORT_WORKFLOW_TYPES[f.type] ?? f.type)}`);
  else if (f.routine === false) for (const t of ROUTINE_WORKFLOW_TYPES) parts.push(`WorkflowType != ${literal(t)}`);
  if (f.status === 'closed') parts.push(`ExecutionStatus != 'Running'`);
  else if (f.status) parts.push(`ExecutionStatus = ${literal(EXECUTION_STATUSES[f.status])}`);
  if (f.employerId) parts.push(`${EmployerId.name} = ${literal(f.employerId)}`);
  if (f.period) parts.push(`${FeePeriod.name} = ${literal(f.period)}`);
  if (f.businessStatus) parts.push(`${BusinessStatus.name} = ${literal(f.businessStatus)}`);
  return parts.join(' AND ');
}


/** The archiver's own runs are not archived: they only move histories. */
export const ARCHIVER_WORKFLOW_TYPE = WORKFLOW.archiveWorkflow;

/** Closed workflows of the task queue that closed at or after `since`, to be archived. */
export function closedSinceQuery(taskQueue: string, since: Date): string {
  return [
    `TaskQueue = ${literal(taskQueue)}`,
    `ExecutionStatus != 'Running'`,
    `WorkflowType != ${literal(ARCHIVER_WORKFLOW_TYPE)}`,
    `CloseTime >= ${literal(since.toISOString())}`,
  ].join(' AND ');
}
