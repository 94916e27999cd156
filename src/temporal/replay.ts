// Replaying recorded histories against the current workflow code (an auditor's proof that the
// code still explains what happened, and CI's guard against non-deterministic changes). Used by
// POST /api/audit/replay, `npm run replay` and tests/replay.
import type { HistoryAndWorkflowId } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { historyFromJSON, type History } from './history-json';
import { WORKFLOW_BUNDLE } from './workflows-path';

export type { History };

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  ok: boolean;
  error?: string;
}

export interface ReplaySetup {
  workflowBundle: { code: string };
  dataConverter: DataConverter;
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** Bundles the current workflow code (webpack, a few seconds): do it once and keep the result. */
export async function bundleWorkflows(): Promise<{ code: string }> {
  const bundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: quiet as never });
  return { code: bundle.code };
}

/** A history file as the Temporal CLI and UI write it (proto3 JSON), or as GET /api/workflows/:id/history answers. */
export function parseHistoryJson(text: string): History {
  return historyFromJSON(JSON.parse(text));
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * Replays each history with one replay worker, one at a time; a failing history does not stop
 * the others. Answers one outcome per history, in order.
 */
export async function replayHistories(histories: Iterable<HistoryAndWorkflowId> | AsyncIterable<HistoryAndWorkflowId>, setup: ReplaySetup): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  const replay = Worker.runReplayHistories(
    { workflowBundle: setup.workflowBundle, dataConverter: setup.dataConverter, replayName: 'sifee-replay' },
    histories,
  );
  for await (const result of replay) {
    outcomes.push({ workflowId: result.workflowId, runId: result.runId, ok: !result.error, ...(result.error ? { error: describe(result.error) } : {}) });
  }
  return outcomes;
}
