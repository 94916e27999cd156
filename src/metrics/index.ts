// Prometheus metrics of the API process (prom-client, one registry per app): request latency
// measured here, and the work done read from the database at each scrape (database.ts), so the
// numbers are right however many API and worker processes there are. The Temporal SDK's own
// metrics come from the worker's Runtime (worker-runtime.ts), on its own port.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttentionConfig } from '../config';
import { countAttention } from '../db/attention';
import type { Db } from '../db/client';
import { DELIVERY_STATUSES } from '../db/webhooks';
import { ATTENTION_KINDS, attentionCounts } from '../domain/attention';
import { WORKFLOW_TYPES, readWorkStats, type WorkStats } from './database';

export { readWorkStats, WORKFLOW_TYPES, finishedKey, type WorkStats, type WorkflowType } from './database';
export { workerRuntimeOptions, installWorkerRuntime } from './worker-runtime';

/** Seconds; from a cached read to a certificate print (the API waits up to 90 s for one). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 90];

export interface ServiceMetrics {
  registry: Registry;
  /** Records one answered request. `route` is the route's pattern (`/api/payments/:id`), never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
  /** Reads the database and sets the work metrics; false when the database did not answer. */
  refresh(): Promise<boolean>;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('|');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Sets a counter to a total read elsewhere (prom-client counters only go up by `inc`). */
function setCounter<L extends string>(counter: Counter<L>, values: Iterable<[Partial<Record<L, string>>, number]>): void {
  counter.reset();
  for (const [labels, n] of values) counter.inc(labels, n);
}

function setGauge<L extends string>(gauge: Gauge<L>, values: Iterable<[Partial<Record<L, string>>, number]>): void {
  gauge.reset();
  for (const [labels, n] of values) gauge.set(labels, n);
}

export function createServiceMetrics(db: Db, opts: { defaultMetrics?: boolean; attention?: AttentionConfig } = {}): ServiceMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: 'sifee_http_request_duration_seconds',
    help: 'API request latency, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const started = new Counter({
    name: 'sifee_workflows_started_total',
    help: 'Workflows started, by type (from the database: declarations, payments, vouchers, certificates, declaration_batches)',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const finished = new Counter({
    name: 'sifee_workflows_finished_total',
    help: 'Workflows that ended, by type and outcome (from the database)',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const running = new Gauge({
    name: 'sifee_workflows_running',
    help: 'Workflows started and not ended, by type (a declaration with result_unknown waits for an operator)',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'sifee_deduction_attempts_total',
    help: 'Real-time deduction attempts (实时扣款), by outcome: succeeded, failed (business failure), unknown (being resolved with the bureau)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const retriesPending = new Gauge({
    name: 'sifee_payment_retries_pending',
    help: 'Three-party payments awaiting their next scheduled deduction',
    registers: [registry],
  });
  const declarationsNow = new Gauge({
    name: 'sifee_declarations',
    help: 'Declarations by status and payment status',
    labelNames: ['status', 'payment_status'] as const,
    registers: [registry],
  });
  const paymentsNow = new Gauge({
    name: 'sifee_payments',
    help: 'Payments by method and status',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const vouchersNow = new Gauge({
    name: 'sifee_vouchers',
    help: 'Bank-side vouchers by status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const failing = new Gauge({
    name: 'sifee_workflows_activity_failing',
    help: 'Workflows whose activity has failed 5 or more times in a row and is still being retried (see lastError on the record)',
    registers: [registry],
  });
  const startsRepaired = new Counter({
    name: 'sifee_reconciler_repairs_total',
    help: 'Workflow starts the reconciler made because the process that recorded the work died before starting it',
    registers: [registry],
  });
  const startsPending = new Gauge({
    name: 'sifee_workflow_starts_pending',
    help: 'Work recorded whose workflow has not been started yet (the reconciler starts it)',
    registers: [registry],
  });
  const webhookDeliveries = new Gauge({
    name: 'sifee_webhook_deliveries',
    help: 'Webhook deliveries by status: pending (being retried), delivered, failed (no 2xx answer within WEBHOOK_RETRY_FOR), cancelled (webhook deleted)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const attention = new Gauge({
    name: 'sifee_attention_items',
    help: 'Items on the attention list (GET /api/attention) by kind: what operators must act on now',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const databaseUp = new Gauge({
    name: 'sifee_metrics_database_up',
    help: '1 when the last scrape read the database; 0 when it did not answer (the work metrics are then those of the last good read)',
    registers: [registry],
  });

  function apply(s: WorkStats): void {
    setCounter(started, WORKFLOW_TYPES.map((type) => [{ type }, s.started.get(type) ?? 0]));
    setCounter(finished, [...s.finished].map(([key, n]) => {
      const [type, outcome] = splitKey(key);
      return [{ type, outcome }, n];
    }));
    setGauge(
      running,
      WORKFLOW_TYPES.map((type) => {
        let ended = 0;
        for (const [key, n] of s.finished) if (key.startsWith(`${type}|`)) ended += n;
        return [{ type }, Math.max(0, (s.started.get(type) ?? 0) - ended)];
      }),
    );
    setCounter(attempts, ['succeeded', 'failed', 'unknown'].map((outcome) => [{ outcome }, s.attempts.get(outcome) ?? 0]));
    retriesPending.set(s.retriesPending);
    setGauge(declarationsNow, [...s.declarations].map(([key, n]) => {
      const [status, payment_status] = splitKey(key);
      return [{ status, payment_status }, n];
    }));
    setGauge(paymentsNow, [...s.payments].map(([key, n]) => {
      const [method, status] = splitKey(key);
      return [{ method, status }, n];
    }));
    setGauge(vouchersNow, [...s.vouchers].map(([status, n]) => [{ status }, n]));
    failing.set(s.failingWorkflows);
    setCounter(startsRepaired, [[{}, s.startsRepaired]]);
    startsPending.set(s.startsPending);
    setGauge(webhookDeliveries, DELIVERY_STATUSES.map((status) => [{ status }, s.webhookDeliveries.get(status) ?? 0]));
  }

  return {
    registry,
    observeRequest(method, route, statusCode, seconds) {
      requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
    },
    async refresh() {
      try {
        const [stats, counted] = await Promise.all([readWorkStats(db), opts.attention ? countAttention(db, ATTENTION_KINDS, opts.attention) : undefined]);
        apply(stats);
        if (counted) setGauge(attention, Object.entries(attentionCounts(counted)).map(([kind, n]) => [{ kind }, n]));
        databaseUp.set(1);
        return true;
      } catch {
        databaseUp.set(0);
        return false;
      }
    },
  };
}
