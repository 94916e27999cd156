// RFC 9457 problem details: every error leaves as application/problem+json with a stable code.
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { BureauTimeoutError, BureauUnavailableError } from '../bureau/client';
import { Problem } from '../domain/problem';
import { ProblemBody } from './schemas/common';

export default fp(async function problemPlugin(app: FastifyInstance) {
  app.addSchema(ProblemBody);

  app.setErrorHandler((error: FastifyError | Problem, request, reply) => {
    let body: Record<string, unknown>;
    if (error instanceof Problem) {
      body = { status: error.status, code: error.code, title: error.title, detail: error.detail, ...error.extra };
    } else if (error instanceof BureauUnavailableError || error instanceof BureauTimeoutError) {
      request.log.warn({ err: error }, 'bureau did not answer');
      body = {
        status: 503,
        code: 'BUREAU_UNAVAILABLE',
        title: 'The tax bureau does not answer',
        detail: 'nothing was changed; try again in a moment',
      };
    } else if ((error as FastifyError).validation) {
      body = {
        status: 400,
        code: 'VALIDATION_FAILED',
        title: 'The request is not valid',
        detail: `${(error as FastifyError).validationContext ?? 'request'} ${error.message.replace(/^(body|querystring|params|headers)\s*/, '')}`,
      };
    } else if (typeof (error as FastifyError).statusCode === 'number' && (error as FastifyError).statusCode! < 500) {
      const status = (error as FastifyError).statusCode!;
      body = { status, code: (error as FastifyError).code ?? 'BAD_REQUEST', title: error.message };
    } else {
      request.log.error({ err: error }, 'unhandled error');
      body = { status: 500, code: 'INTERNAL', title: 'Internal error', detail: `see the logs for request ${request.id}` };
    }
    const status = body.status as number;
    return reply
      .status(status)
      .type('application/problem+json')
      .send({ type: `about:blank#${body.code as string}`, ...body });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).type('application/problem+json').send({
      type: 'about:blank#ROUTE_NOT_FOUND',
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      title: 'No such route',
      detail: `${request.method} ${request.url.split('?')[0]} is not a route of this API; see /docs`,
    }),
  );
});
