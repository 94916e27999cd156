// The API's conventions (API.md): health, OpenAPI, problem+json, keys and roles, request ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('API basics', () => {
  it('reports each component in /health, without a key', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', temporal: 'ok', database: 'ok', bureau: 'ok', node: process.version });
    expect(process.version).toMatch(/^v24\./);
  });

  it('says degraded when the bureau is down', async () => {
    const { BureauClient } = await import('../../src/bureau/client');
    const original = stack.app.bureau;
    Object.assign(stack.app, { bureau: new BureauClient('http://127.0.0.1:9', { timeoutMs: 500 }) });
    try {
      const res = await stack.app.inject({ method: 'GET', url: '/health' });
      expect(res.json()).toMatchObject({ status: 'degraded', bureau: 'down', database: 'ok', temporal: 'ok' });
    } finally {
      Object.assign(stack.app, { bureau: original });
    }
  });

  it('serves the OpenAPI document with every route', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/health', '/api/employers', '/api/employers/{id}/fee-items', '/api/employers/{id}/declarations', '/api/declarations/{id}/fetch-result']),
    );
  });

  it('answers problem+json with a stable code for unknown routes, missing and wrong keys', async () => {
    const unknown = await stack.app.inject({ method: 'GET', url: '/api/nothing-here', headers: auth() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect(unknown.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });

    const noKey = await stack.app.inject({ method: 'GET', url: '/api/employers' });
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json().code).toBe('UNAUTHENTICATED');
    const badKey = await stack.app.inject({ method: 'GET', url: '/api/employers', headers: { authorization: 'Bearer not-a-key' } });
    expect(badKey.statusCode).toBe(401);
  });

  it('lets auditors read and not write', async () => {
    const read = await stack.app.inject({ method: 'GET', url: '/api/employers', headers: auth('auditor') });
    expect(read.statusCode).toBe(200);
    const write = await stack.app.inject({ method: 'POST', url: '/api/employers', headers: auth('auditor'), payload: {} });
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe('FORBIDDEN');
  });

  it('rejects malformed JSON and unknown fields with 400, not 500', async () => {
    const malformed = await stack.app.inject({
      method: 'POST',
      url: '/api/employers',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: '{"taxpayerId": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    const extra = await stack.app.inject({
      method: 'POST',
      url: '/api/employers',
      headers: auth(),
      payload: { taxpayerId: 'x', taxpayerIdConfirm: 'x', unitNumber: '1', password: 'p', admin: true },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().code).toBe('VALIDATION_FAILED');
  });

  it('echoes a request id on every answer', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers['x-request-id']).toBe('trace-123');
  });

  it('keeps a browser session in an HttpOnly cookie that authorizes like the key', async () => {
    const wrong = await stack.app.inject({ method: 'POST', url: '/api/session', payload: { key: 'not-a-key' } });
    expect(wrong.statusCode).toBe(401);
    const res = await stack.app.inject({ method: 'POST', url: '/api/session', payload: { key: auth('auditor').authorization.slice(7) } });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    const sessionCookie = cookie.split(';')[0]!;
    const read = await stack.app.inject({ method: 'GET', url: '/api/employers', headers: { cookie: sessionCookie } });
    expect(read.statusCode).toBe(200);
    const write = await stack.app.inject({ method: 'POST', url: '/api/employers', headers: { cookie: sessionCookie }, payload: {} });
    expect(write.statusCode).toBe(403);
    const decode = await stack.app.inject({ method: 'POST', url: '/codec/decode', headers: { cookie: sessionCookie }, payload: { payloads: [] } });
    expect(decode.statusCode).toBe(200);
  });
});
