// The worker's V8 heap ceiling. Left to itself V8 sizes the heap from the machine's memory (about
// 4 GB here) and lets garbage pile up between collections under the churn of thousands of waiting
// workflows; capped, it collects sooner and the worker's RSS stays within its 600 MB budget
// (bench/RESULTS.md, row (j)). The live heap of a worker with its 250 cached workflows is well
// under this. package.json's `worker` script and docker-compose.yml pass the same flag
// (tests/compose/compose.test.ts checks).
export const WORKER_HEAP_MB = 384;

/** Node's flags for a worker process. */
export const WORKER_NODE_ARGS = [`--max-old-space-size=${WORKER_HEAP_MB}`];
