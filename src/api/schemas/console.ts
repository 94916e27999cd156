// The answer of GET /api/console-config: what the operator console needs to know about this installation.
import { Type } from './common';

const Notice = Type.Object({ zh: Type.String({ description: 'as the guide words it' }), en: Type.String() });

export const ConsoleConfig = Type.Object({
  temporalUiUrl: Type.String({ description: 'the Temporal UI; a workflow is at <url>/namespaces/<namespace>/workflows/<workflowId>' }),
  temporalNamespace: Type.String(),
  temporalRetention: Type.String({
    description: 'how long Temporal keeps a closed workflow’s history (TEMPORAL_RETENTION), as `temporal operator namespace update --retention` takes it; older ones are in the archive',
  }),
  temporalRetentionDays: Type.Number({ description: 'the same, in days' }),
  resultWaitSeconds: Type.Integer({ minimum: 0, description: 'how long a declaration or void waits for the bureau’s result before it is fetched (RESULT_WAIT_SECONDS)' }),
  batchConcurrency: Type.Object(
    {
      default: Type.Integer({ minimum: 1, description: 'what a batch declaration takes without `concurrency`' }),
      max: Type.Integer({ minimum: 1, description: 'the most `concurrency` may be' }),
    },
    { description: 'employers a batch declaration prepares at the same time (`concurrency` of POST /api/declaration-batches)' },
  ),
  notices: Type.Object(
    { headcount: Notice, amount: Notice, payNow: Notice },
    { description: 'the notices the guide shows at fixed steps, word for word, with their English: before declaring (F-2.4), before a deduction (F-4.3), and "pay now?" (F-2.7, F-5.1)' },
  ),
  auditActions: Type.Array(Type.String(), { description: 'every action the audit log is written with: the event names of GET /api/events' }),
});
