// The worker's V8 heap ceiling. Left to itself V8 sizes the heap from the machine's memory (about
// 4 GB here) and lets garbage pile up between collections under the churn of thousands of waiting
// workflows; capped, it collects sooner and the worker's RSS stays within its 600 MB budget
// (bench/RESULTS.md, row (j)). The live heap of a worker with its 250 cached workflows is well
// under this. package.json's `worker` script and docker-compose.yml pass the same flag
// (tests/compose/compose.test.ts checks).
export const WORKER_HEAP_MB = 384;
// The young generation's semi-spaces, in MB. Node 24's V8 sizes them from the heap (up to 64 MB
// each), which took the worker's peak RSS with 1,000 payments in flight from 426 to 589 MB of its
// 600 MB budget; 16 is what Node 20 used (bench/RESULTS.md, "Node 24 against the older runtime").
export const WORKER_SEMI_SPACE_MB = 16;

/** Node's flags for a worker process. */
export const WORKER_NODE_ARGS = [`--max-old-space-size=${WORKER_HEAP_MB}`, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
