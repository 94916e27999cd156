// The task queues of one service (TASK_QUEUE): its own, for workflows and database work, and the
// bureau's, for the activities that call the bureau. Temporal dispatches the bureau's at most
// BUREAU_MAX_REQUESTS_PER_SECOND a second across all workers polling it (src/worker/worker.ts).
// Workflows name it after their own queue, so no input has to carry it.

export function bureauTaskQueue(taskQueue: string): string {
  return `${taskQueue}-bureau`;
}
