// Tells the worker when a workflow of ours returns or fails, so its history is archived at once
// (src/worker/archive-on-close.ts) rather than at the archiver's next round. A sink is a call out
// of the sandbox that leaves nothing in the history, so replays and determinism are untouched; a
// replay does not call it (that close was seen when it happened).
import { proxySinks, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { ArchiveSinks } from '../contracts/upkeep';

const { archive } = proxySinks<ArchiveSinks>();

function closing(): void {
  if (!workflowInfo().unsafe.isReplaying) archive.workflowClosing();
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        try {
          const result = await next(input);
          closing();
          return result;
        } catch (err) {
          // A failure, or continue-as-new: either way this run closes (a workflow task that merely
          // errs is retried and calls again later, when it really closes).
          closing();
          throw err;
        }
      },
    },
  ],
});
