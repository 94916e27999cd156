// The service's own workflows: what the reconciler of recorded starts and the reconciliation with the bureau's ledger (对账) is started
// with, and the sink by which a closing workflow asks the worker to archive its history.
import type { Sinks } from '@temporalio/workflow';

export interface ReconciliationInput {
  /** YYYY-MM-DD; the schedule leaves it out: yesterday in China. */
  date?: string | undefined;
  actor?: string | undefined;
}

/** Tells the worker a workflow of ours returns or fails, so its history is archived at once. */
export interface ArchiveSinks extends Sinks {
  archive: { workflowClosing(): void };
}

/** The reconciler's pass: starts recorded longer ago than this that were never made are made now. */
export interface ReconcilerInput {
  graceSeconds: number;
}
