// One line per HTTP request, written when it is answered: Fastify's own log controller writes two
// (incoming, completed), both at info, even where a person reads the log. Its level comes from
// logging.requestLogLevel; a failed request is always an error line.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Level } from 'pino';
import { requestLogLevel } from '../logging';

export class OneLinePerRequest extends LogController {
  constructor(private readonly level: Level = requestLogLevel()) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const line = { method: request.method, url: request.url, status, ms: Math.round(reply.elapsedTime) };
    if (error || status >= 500) reply.log.error({ ...line, err: error ?? undefined }, `${request.method} ${request.url} ${status}`);
    else reply.log[this.level](line, `${request.method} ${request.url} ${status}`);
  }
}
