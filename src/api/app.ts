// The Fastify application: plugins for errors, auth and idempotency, one plugin per resource.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { BureauClient } from '../bureau/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import authPlugin, { type ApiKey } from './auth';
import idempotencyPlugin from './idempotency';
import problemPlugin from './problem';
import declarationRoutes from './routes/declarations';
import employerRoutes from './routes/employers';
import feeItemRoutes from './routes/fee-items';
import healthRoutes from './routes/health';

export interface AppDeps {
  db: Db;
  temporal: Client;
  bureau: BureauClient;
  config: Config;
  keys: readonly ApiKey[];
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    temporal: Client;
    bureau: BureauClient;
    config: Config;
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
  await app.register(authPlugin, { keys: deps.keys });
  await app.register(idempotencyPlugin, { db: deps.db });

  await app.register(healthRoutes);
  await app.register(employerRoutes, { prefix: '/api' });
  await app.register(feeItemRoutes, { prefix: '/api' });
  await app.register(declarationRoutes, { prefix: '/api' });
  return app;
}
