// The Fastify application: plugins for errors, auth and idempotency, one plugin per resource.
import { OneLinePerRequest } from './request-log';
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { AesGcmCodec } from '../codec/aes-gcm-codec';
import type { BureauClient } from '../bureau/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { ApiKey } from './api-keys';
import authPlugin, { type Access } from './auth';
import { Drain } from './drain';
import idempotencyPlugin from './idempotency';
import { Problem } from '../domain/problem';
import problemPlugin from './problem';
import declarationRoutes from './routes/declarations';
import declarationBatchRoutes from './routes/declaration-batches';
import employerRoutes from './routes/employers';
import feeItemRoutes from './routes/fee-items';
import healthRoutes from './routes/health';
import paymentRoutes from './routes/payments';
import recordExportRoutes from './routes/record-exports';
import monthRoutes from './routes/month';
import voucherRoutes from './routes/vouchers';
import certificateRoutes from './routes/certificates';
import codecRoutes from './routes/codec';
import sessionRoutes from './routes/session';
import auditRoutes from './routes/audit';
import reconciliationRoutes from './routes/reconciliations';
import metricsRoutes from './routes/metrics';
import eventRoutes from './routes/events';
import consoleRoutes from './routes/console';
import webhookRoutes from './routes/webhooks';
import declarationScheduleRoutes from './routes/declaration-schedules';
import attentionRoutes from './routes/attention';

export interface AppDeps {
  codec: AesGcmCodec;
  db: Db;
  temporal: Client;
  bureau: BureauClient;
  config: Config;
  keys: readonly ApiKey[];
  /** The workflow code for POST /api/audit/replay, prebuilt (tests); otherwise bundled at the first replay. */
  workflowBundle?: { code: string } | undefined;
}

/** Every route with what it allows, for the docs and the test that walks them all. */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  hasSchema: boolean;
  /** Its success answer is documented: an object with its properties, a file's media types, or no content. */
  documentsSuccess: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    temporal: Client;
    bureau: BureauClient;
    config: Config;
    /** The payload codec: what the API records for a workflow is sealed as Temporal would hold it. */
    codec: AesGcmCodec;
    routeCatalog: RouteEntry[];
  }
}

/** A lone UTF-16 surrogate (JSON's "\ud800"): not Unicode text, and PostgreSQL's jsonb refuses it. */
const LONE_SURROGATE = /\p{Cs}/u;

function unusableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'text must not contain NUL characters';
  if (LONE_SURROGATE.test(text)) return 'text must be well-formed Unicode (no lone surrogate such as \\ud800)';
  return undefined;
}

/**
 * A number that is not finite, or text with a NUL (which no PostgreSQL text can hold) or a lone
 * surrogate, anywhere in a value, its keys included.
 */
function unusableValue(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'numbers must be finite';
  if (typeof value === 'string') return unusableText(value);
  if (!value || typeof value !== 'object' || depth > 20 || Buffer.isBuffer(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const problem = unusableText(k) ?? unusableValue(v, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** Whether a route's response schemas describe a 2xx answer: its properties, its media types, or none. */
function documentsSuccess(response: unknown): boolean {
  if (!response || typeof response !== 'object') return false;
  return Object.entries(response as Record<string, Record<string, unknown>>).some(
    ([status, schema]) => /^2/.test(status) && (schema.properties !== undefined || schema.content !== undefined || schema.type === 'null' || schema.anyOf !== undefined || schema.oneOf !== undefined),
  );
}

/** The fingerprints' key: shared by every API instance, so a repeat may reach any of them. */
export function idempotencySecret(config: Config): Buffer {
  const material = config.crashSafety.idempotencySecret ?? config.payloadCodecKeys;
  // Tests without keys: one process, so a key of its own is enough.
  return material ? createHash('sha256').update(`sifee idempotency\u0000${material}`).digest() : randomBytes(32);
}

export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    logController: new OneLinePerRequest(),
    bodyLimit: 256 * 1024,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // URLs the router refuses (bad percent-encoding, a param over 100 characters) answer problems too.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode ?? 400;
      const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is longer than 100 characters' : 'the URL is not valid (check its percent-encoding)';
      void (reply as unknown as FastifyReply).status(status).type('application/problem+json').send({ type: `about:blank#${error.code}`, status, code: error.code, title: 'The request URL cannot be routed', detail });
    },
    trustProxy: deps.config.trustProxy ?? false,
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('db', deps.db);
  app.decorate('temporal', deps.temporal);
  app.decorate('bureau', deps.bureau);
  app.decorate('config', deps.config);
  app.decorate('codec', deps.codec);
  app.decorate('drain', new Drain());
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // A stopping process keeps no connection for the next request: that one goes elsewhere.
    if (app.drain.draining) reply.header('connection', 'close');
  });
  // Ajv's type coercion turns "Infinity" and 1e400 into Infinity and lets it past minimum and
  // maximum, and JSON strings may hold NUL or a lone surrogate, which PostgreSQL refuses: all bad input (400).
  app.addHook('preHandler', async (request) => {
    const problem = unusableValue(request.params) ?? unusableValue(request.query) ?? unusableValue(request.body);
    if (problem) throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', problem);
  });
  app.decorate('routeCatalog', [] as RouteEntry[]);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || route.method === 'HEAD' || route.method === 'OPTIONS') return;
    for (const method of [route.method].flat()) {
      app.routeCatalog.push({ method, url: route.url, access: route.config?.access ?? 'public', hasSchema: route.schema !== undefined, documentsSuccess: documentsSuccess(route.schema?.response) });
    }
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Social insurance fees back office (社保费申报缴费)',
        version: '0.1.0',
        description: 'Declare and pay employers’ social insurance fees. Money is integer fen (分) in `...Fen` fields.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  // Security headers on every answer, errors and 404s included. API answers (JSON, PDF, CSV) load
  // nothing and may not be framed; the console and Swagger UI set their own policies.
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
    frameguard: { action: 'deny' },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Not over plain HTTP (a local start): the upgraded requests would find no TLS.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  await app.register(problemPlugin);
  // Before the resource plugins (its hook times every route) and outside the rate limit.
  await app.register(metricsRoutes);
  await app.register(authPlugin, { keys: deps.keys, db: deps.db, publicOrigin: deps.config.publicOrigin });
  await app.register(rateLimit, {
    max: deps.config.rateLimitPerMinute,
    timeWindow: '1 minute',
    // A route hook, so it runs after authPlugin found the actor: per actor whatever form their key
    // or session takes, so one busy client does not starve the others; per address for the rest,
    // wrong keys included.
    keyGenerator: (request) => (request.actor ? `actor:${request.actor.name}` : `address:${request.ip}`),
    // RateLimit-Limit, -Remaining, -Reset (IETF draft) and Retry-After.
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) =>
      new Problem(429, 'RATE_LIMITED', 'Too many requests', `at most ${context.max} requests a minute; try again in ${Math.ceil(context.ttl / 1000)} s`),
  });
  await app.register(idempotencyPlugin, { db: deps.db, secret: idempotencySecret(deps.config), leaseSeconds: deps.config.crashSafety.idempotencyLeaseSeconds });

  await app.register(healthRoutes);
  await app.register(sessionRoutes, { keys: deps.keys, db: deps.db, hours: deps.config.sessionHours });
  await app.register(codecRoutes, {
    codec: deps.codec,
    uiOrigins: [`http://127.0.0.1:${deps.config.temporalUiPort}`, `http://localhost:${deps.config.temporalUiPort}`],
  });
  await app.register(employerRoutes, { prefix: '/api' });
  await app.register(feeItemRoutes, { prefix: '/api' });
  await app.register(declarationRoutes, { prefix: '/api' });
  await app.register(declarationBatchRoutes, { prefix: '/api' });
  await app.register(paymentRoutes, { prefix: '/api' });
  await app.register(recordExportRoutes, { prefix: '/api' });
  await app.register(monthRoutes, { prefix: '/api' });
  await app.register(voucherRoutes, { prefix: '/api' });
  await app.register(certificateRoutes, { prefix: '/api' });
  await app.register(auditRoutes, { prefix: '/api', workflowBundle: deps.workflowBundle });
  await app.register(reconciliationRoutes, { prefix: '/api' });
  await app.register(eventRoutes, { prefix: '/api', maxStreamsPerActor: deps.config.eventStreamsPerActor });
  await app.register(webhookRoutes, { prefix: '/api' });
  await app.register(declarationScheduleRoutes, { prefix: '/api' });
  await app.register(attentionRoutes, { prefix: '/api' });
  await app.register(consoleRoutes);
  return app;
}
