// The Fastify application: plugins for errors, auth and idempotency, one plugin per resource.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { BureauClient } from '../bureau/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import authPlugin, { type Access, type ApiKey } from './auth';
import idempotencyPlugin from './idempotency';
import problemPlugin, { Problem } from './problem';
import declarationRoutes from './routes/declarations';
import declarationBatchRoutes from './routes/declaration-batches';
import employerRoutes from './routes/employers';
import feeItemRoutes from './routes/fee-items';
import healthRoutes from './routes/health';
import paymentRoutes from './routes/payments';
import voucherRoutes from './routes/vouchers';
import certificateRoutes from './routes/certificates';
import codecRoutes from './routes/codec';
import sessionRoutes from './routes/session';

export interface AppDeps {
  codec: PayloadCodec;
  db: Db;
  temporal: Client;
  bureau: BureauClient;
  config: Config;
  keys: readonly ApiKey[];
}

/** Every route with what it allows, for the docs and the test that walks them all. */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  hasSchema: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    temporal: Client;
    bureau: BureauClient;
    config: Config;
    routeCatalog: RouteEntry[];
  }
}

export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 256 * 1024,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    ...options,
  });
  app.decorate('db', deps.db);
  app.decorate('temporal', deps.temporal);
  app.decorate('bureau', deps.bureau);
  app.decorate('config', deps.config);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.decorate('routeCatalog', [] as RouteEntry[]);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || route.method === 'HEAD' || route.method === 'OPTIONS') return;
    for (const method of [route.method].flat()) {
      app.routeCatalog.push({ method, url: route.url, access: route.config?.access ?? 'public', hasSchema: route.schema !== undefined });
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
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(problemPlugin);
  await app.register(rateLimit, {
    max: deps.config.rateLimitPerMinute,
    timeWindow: '1 minute',
    // Per API key, so one busy client does not starve the others; per address without a key.
    keyGenerator: (request) => request.headers.authorization ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new Problem(429, 'RATE_LIMITED', 'Too many requests', `at most ${context.max} requests a minute; try again in ${Math.ceil(context.ttl / 1000)} s`),
  });
  await app.register(authPlugin, { keys: deps.keys });
  await app.register(idempotencyPlugin, { db: deps.db });

  await app.register(healthRoutes);
  await app.register(sessionRoutes, { keys: deps.keys });
  await app.register(codecRoutes, {
    codec: deps.codec,
    uiOrigins: [`http://127.0.0.1:${deps.config.temporalUiPort}`, `http://localhost:${deps.config.temporalUiPort}`],
  });
  await app.register(employerRoutes, { prefix: '/api' });
  await app.register(feeItemRoutes, { prefix: '/api' });
  await app.register(declarationRoutes, { prefix: '/api' });
  await app.register(declarationBatchRoutes, { prefix: '/api' });
  await app.register(paymentRoutes, { prefix: '/api' });
  await app.register(voucherRoutes, { prefix: '/api' });
  await app.register(certificateRoutes, { prefix: '/api' });
  return app;
}
