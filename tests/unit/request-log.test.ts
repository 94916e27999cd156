// One log line per HTTP request (src/api/request-log.ts), at the level a person or a machine needs.
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { OneLinePerRequest } from '../../src/api/request-log';
import { logFormat, requestLogLevel } from '../../src/logging';

async function serve(level: 'debug' | 'info', loggerLevel: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: loggerLevel }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, logController: new OneLinePerRequest(level) });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  await app.ready();
  return { app, lines };
}

describe('request log lines', () => {
  it('writes one line per answered request with method, URL, status and time', async () => {
    const { app, lines } = await serve('info', 'info');
    await app.inject({ url: '/ok' });
    await app.inject({ url: '/ok?x=1' });
    const requests = lines.filter((l) => 'status' in l);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/ok', status: 200, msg: 'GET /ok 200' });
    expect(typeof requests[0]!.ms).toBe('number');
  });

  it('hides routine requests from a person (debug) but never a server error', async () => {
    const { app, lines } = await serve('debug', 'info');
    await app.inject({ url: '/ok' });
    await app.inject({ url: '/boom' });
    const requests = lines.filter((l) => 'status' in l);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ url: '/boom', status: 500, level: 50 });
  });

  it('is JSON at info unless a person asked for pretty lines', () => {
    expect(logFormat({})).toBe('json');
    expect(requestLogLevel({})).toBe('info');
    expect(logFormat({ LOG_FORMAT: 'pretty' })).toBe('pretty');
    expect(requestLogLevel({ LOG_FORMAT: 'pretty' })).toBe('debug');
    expect(requestLogLevel({ LOG_FORMAT: 'pretty', LOG_REQUESTS: 'info' })).toBe('info');
  });
});
