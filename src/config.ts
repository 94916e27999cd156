// Configuration from the environment, with the defaults of docs/operations.md's table.
import path from 'node:path';
import { hostList } from './api/host-names';
import { parseDurationSeconds, parseRetention } from './domain/duration';
import { parseRetrySchedule } from './domain/retry-schedule';
import { DEFAULT_WEBHOOK_RETRY_FOR, DEFAULT_WEBHOOK_RETRY_SCHEDULE, parseWebhookRetry, type WebhookRetry } from './domain/webhook-retries';

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

export interface Config {
  port: number;
  bureauPort: number;
  bureauUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiPort: number;
  taskQueue: string;
  databaseUrl: string | undefined;
  dataDir: string;
  apiKeys: string | undefined;
  payloadCodecKeys: string | undefined; // kid:base64key,... — the first encrypts workflow payloads
  signInMinutes: number; // how long a sign-in to an employer lasts (F-1.4)
  rateLimitPerMinute: number; // requests per API key (or address) per minute
  /** host:port where a worker serves the Temporal SDK's Prometheus metrics (WORKER_METRICS_PORT); unset: not served. */
  workerMetricsAddress: string | undefined;
  /** Workflows a worker keeps in memory (its sticky cache, WORKER_MAX_CACHED_WORKFLOWS); others are replayed from history when they next have work. */
  workerMaxCachedWorkflows: number;
  /**
   * Requests a second the workers send the bureau, all of them together (BUREAU_MAX_REQUESTS_PER_SECOND,
   * default 20; 0: no limit). Temporal dispatches the activities that call the bureau from their own
   * task queue (`<TASK_QUEUE>-bureau`) at this rate, and each request also waits for its moment in a
   * pace kept in the database, so Temporal's bursts are spread (src/worker/worker.ts). Give every
   * worker the same value. The API's own calls (password checks, item lists) are not counted.
   */
  bureauMaxRequestsPerSecond: number;
  declaration: DeclarationTiming;
  payment: PaymentTiming;
  crashSafety: CrashSafety;
  /** How long a browser session (POST /api/session) lasts. */
  sessionHours: number;
  /** The origin browsers reach the API at (PUBLIC_ORIGIN, e.g. https://fees.example.com); unset: the request's own. */
  publicOrigin: string | undefined;
  /** Fastify's `trustProxy` (TRUST_PROXY): addresses of the TLS proxy whose X-Forwarded-* headers are believed. */
  trustProxy: string | undefined;
  /** The address the API listens on (HOST). */
  host: string;
  /** Host names /metrics answers besides the loopback ones, HOST and PUBLIC_ORIGIN's (ALLOWED_HOSTS; DNS rebinding). */
  allowedHosts: string[];
  /** A stopping API: how long it says `draining` before it stops taking connections, and how long requests in flight get to finish (src/api/drain.ts). */
  drain: { delaySeconds: number; timeoutSeconds: number };
  /** Open event streams (GET /api/events) per actor (EVENT_STREAMS_PER_ACTOR); more answer 429. */
  eventStreamsPerActor: number;
  /** Bearer token GET /metrics requires (METRICS_TOKEN); unset: open, like /health. */
  metricsToken: string | undefined;
  /** The issuer (填票人) printed on tax payment certificates (CERTIFICATE_ISSUER): an office's name or a clerk's, never a key's. */
  certificateIssuer: string;
  /** A scrape reads the database at most this often (METRICS_CACHE_SECONDS); scrapes between answer the last read. */
  metricsCacheSeconds: number;
  /** How long Temporal keeps a closed workflow's history (TEMPORAL_RETENTION); the archive keeps it after that. */
  temporalRetentionSeconds: number;
  /** How often the archiver schedule copies newly closed histories into the archive (ARCHIVE_EVERY). */
  archiveEverySeconds: number;
  /** `npm run start:cluster` (docs/cluster.md). */
  cluster: ClusterTopology;
  /** How often each process hashes newly written audit entries into the chain (AUDIT_CHAIN_EVERY_MS, docs/audit-chain.md). */
  auditChainEveryMs: number;
  declarationSchedules: DeclarationSchedulesConfig;
  attention: AttentionConfig;
  /** Signed webhooks (docs/webhooks.md). */
  webhooks: WebhookSettings;
}

/** How declaration schedules fire (docs/operator-guide.md, "The month"). */
export interface DeclarationSchedulesConfig {
  /** A run missed while Temporal was down is still taken within this long after its time (SCHEDULE_CATCHUP_WINDOW). */
  catchupWindowSeconds: number;
  /** Tests only (SCHEDULE_TEST_INTERVAL_SECONDS): every schedule fires this often instead of monthly. Unset in production. */
  testIntervalSeconds: number | undefined;
}

/** What the attention list (GET /api/attention) counts as needing an operator. */
export interface AttentionConfig {
  /** Declared lines still unpaid, and vouchers still unpaid, this many days before their deadline (ATTENTION_DEADLINE_DAYS). */
  deadlineDays: number;
  /** A rejected declaration or a failed payment whose lines nobody took up again leaves the list after this many days (ATTENTION_WINDOW_DAYS). */
  windowDays: number;
}

/** How webhooks are delivered, and where they may go. */
export interface WebhookSettings {
  /** WEBHOOK_RETRY_SCHEDULE and WEBHOOK_RETRY_FOR. */
  retry: WebhookRetry;
  /** Hosts a webhook may reach although they are loopback, private or link-local (WEBHOOK_ALLOWED_HOSTS), as written in its URL. */
  allowedHosts: string[];
}

/** How work survives a process that dies (see docs/crash-safety.md). */
export interface CrashSafety {
  /** How long an unanswered Idempotency-Key stays held after its request stopped renewing it (IDEMPOTENCY_LEASE_SECONDS). */
  idempotencyLeaseSeconds: number;
  /** The key of the Idempotency-Key fingerprints (IDEMPOTENCY_SECRET); unset: derived from PAYLOAD_CODEC_KEYS. */
  idempotencySecret: string | undefined;
  /** How often the reconciler's schedule runs (RECONCILE_EVERY_SECONDS). */
  reconcileEverySeconds: number;
  /** A start recorded this long ago that no request finished is the reconciler's (RECONCILE_GRACE_SECONDS). */
  reconcileGraceSeconds: number;
}

/** How many of each process cluster mode runs, and its private PostgreSQL's port. */
export interface ClusterTopology {
  workers: number; // CLUSTER_WORKERS
  apis: number; // CLUSTER_APIS, on PORT, PORT+1, …
  postgresPort: number; // POSTGRES_PORT, when no DATABASE_URL is given
}

/** How payments wait (F-4.5–F-4.7). */
export interface PaymentTiming {
  retryScheduleSeconds: number[]; // waits between failed deductions, the last repeating until the deadline
  statusPollSeconds: number; // while a deduction's outcome is unknown, ask this often
  counterPollSeconds: number; // how often to ask whether a voucher was paid at a bank counter
}

/** How a declaration or void waits for the bureau's asynchronous result (F-2.6, F-5.3). */
export interface DeclarationTiming {
  resultWaitSeconds: number; // the automatic wait before the first fetch
  pollFirstSeconds: number; // then, while pending, poll with doubling delays…
  pollMaxSeconds: number;
  resultDeadlineSeconds: number; // …until this long after submission: then result_unknown
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const bureauPort = int(env, 'BUREAU_PORT', 4100);
  return {
    port: int(env, 'PORT', 3000),
    bureauPort,
    bureauUrl: env.BUREAU_URL || `http://127.0.0.1:${bureauPort}`,
    temporalAddress: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalUiPort: int(env, 'TEMPORAL_UI_PORT', 8233),
    taskQueue: env.TASK_QUEUE || 'social-insurance-fees',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    apiKeys: env.API_KEYS || undefined,
    payloadCodecKeys: env.PAYLOAD_CODEC_KEYS || undefined,
    signInMinutes: int(env, 'SIGN_IN_MINUTES', 30),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600),
    workerMaxCachedWorkflows: int(env, 'WORKER_MAX_CACHED_WORKFLOWS', 250),
    bureauMaxRequestsPerSecond: int(env, 'BUREAU_MAX_REQUESTS_PER_SECOND', 20),
    workerMetricsAddress: int(env, 'WORKER_METRICS_PORT', 0) > 0 ? `${env.WORKER_METRICS_HOST || '127.0.0.1'}:${int(env, 'WORKER_METRICS_PORT', 0)}` : undefined,
    payment: {
      retryScheduleSeconds: parseRetrySchedule(env.PAYMENT_RETRY_SCHEDULE || '10m,1h,4h,1d'),
      statusPollSeconds: int(env, 'DEDUCTION_STATUS_POLL_SECONDS', 15),
      counterPollSeconds: int(env, 'VOUCHER_POLL_SECONDS', 60),
    },
    crashSafety: {
      idempotencyLeaseSeconds: Math.max(1, int(env, 'IDEMPOTENCY_LEASE_SECONDS', 30)),
      idempotencySecret: env.IDEMPOTENCY_SECRET || undefined,
      reconcileEverySeconds: Math.max(1, int(env, 'RECONCILE_EVERY_SECONDS', 30)),
      reconcileGraceSeconds: int(env, 'RECONCILE_GRACE_SECONDS', 10),
    },
    declaration: {
      resultWaitSeconds: int(env, 'RESULT_WAIT_SECONDS', 20),
      pollFirstSeconds: int(env, 'RESULT_POLL_FIRST_SECONDS', 5),
      pollMaxSeconds: int(env, 'RESULT_POLL_MAX_SECONDS', 60),
      resultDeadlineSeconds: int(env, 'RESULT_DEADLINE_SECONDS', 15 * 60),
    },
    sessionHours: int(env, 'SESSION_HOURS', 12),
    publicOrigin: env.PUBLIC_ORIGIN ? new URL(env.PUBLIC_ORIGIN).origin : undefined,
    trustProxy: env.TRUST_PROXY || undefined,
    host: env.HOST || '127.0.0.1',
    allowedHosts: hostList(env.ALLOWED_HOSTS),
    drain: { delaySeconds: Math.max(0, int(env, 'API_DRAIN_DELAY_SECONDS', 0)), timeoutSeconds: Math.max(1, int(env, 'API_DRAIN_TIMEOUT_SECONDS', 20)) },
    eventStreamsPerActor: Math.max(1, int(env, 'EVENT_STREAMS_PER_ACTOR', 5)),
    metricsToken: env.METRICS_TOKEN || undefined,
    certificateIssuer: env.CERTIFICATE_ISSUER?.trim() || '电子税务局',
    metricsCacheSeconds: int(env, 'METRICS_CACHE_SECONDS', 5),
    temporalRetentionSeconds: parseRetention(env.TEMPORAL_RETENTION || '30d'),
    archiveEverySeconds: parseDurationSeconds(env.ARCHIVE_EVERY || '5m', 'ARCHIVE_EVERY'),
    cluster: {
      workers: int(env, 'CLUSTER_WORKERS', 2),
      apis: int(env, 'CLUSTER_APIS', 2),
      postgresPort: int(env, 'POSTGRES_PORT', 5433),
    },
    auditChainEveryMs: Math.max(10, int(env, 'AUDIT_CHAIN_EVERY_MS', 1000)),
    declarationSchedules: {
      catchupWindowSeconds: parseDurationSeconds(env.SCHEDULE_CATCHUP_WINDOW || '1d', 'SCHEDULE_CATCHUP_WINDOW'),
      testIntervalSeconds: int(env, 'SCHEDULE_TEST_INTERVAL_SECONDS', 0) || undefined,
    },
    attention: {
      deadlineDays: int(env, 'ATTENTION_DEADLINE_DAYS', 5),
      windowDays: int(env, 'ATTENTION_WINDOW_DAYS', 30),
    },
    webhooks: {
      retry: parseWebhookRetry(env.WEBHOOK_RETRY_SCHEDULE || DEFAULT_WEBHOOK_RETRY_SCHEDULE, env.WEBHOOK_RETRY_FOR || DEFAULT_WEBHOOK_RETRY_FOR),
      allowedHosts: (env.WEBHOOK_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    },
  };
}
