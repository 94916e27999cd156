// Every registered route, walked: no key → 401, a role it does not allow → 403, an allowed
// role gets past authorization. Also: every route has a schema; size and rate limits hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/api/api-keys';
import { auth, startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { rateLimitPerMinute: 10_000 } });
});
afterAll(async () => {
  await stack?.close();
});

const ALLOWED: Record<string, readonly Role[]> = {
  read: ['operator', 'auditor', 'staff'],
  write: ['operator'],
  staff: ['staff'],
};

function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, 'X1');
}

describe('roles on every route', () => {
  it('knows the routes of API.md', () => {
    const routes = stack.app.routeCatalog.map((r) => `${r.method} ${r.url}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /health',
        'POST /api/employers',
        'POST /api/employers/:id/password',
        'POST /api/employers/:id/sign-in',
        'POST /api/employers/:id/password-reset',
        'GET /api/employers',
        'GET /api/employers/:id',
        'GET /api/employers/:id/fee-items',
        'GET /api/employers/:id/fee-items/export',
        'POST /api/employers/:id/declarations',
        'POST /api/declarations/:id/fetch-result',
        'GET /api/declarations/:id',
        'GET /api/declarations',
      ]),
    );
  });

  it('every /api route needs a key, and only the roles it allows get through', async () => {
    // Starting a browser session is the one /api route open to all: it checks the key it is given.
    const guarded = stack.app.routeCatalog.filter((r) => r.url.startsWith('/api/') && r.url !== '/api/session');
    expect(guarded.length).toBeGreaterThan(10);
    for (const route of guarded) {
      expect(route.access, `${route.method} ${route.url} must say who may call it`).not.toBe('public');
      const request = { method: route.method as 'GET' | 'POST', url: concrete(route.url), payload: route.method === 'POST' ? {} : undefined };
      const anonymous = await stack.app.inject(request);
      expect(anonymous.statusCode, `${route.method} ${route.url} without a key`).toBe(401);
      for (const role of ROLES) {
        const res = await stack.app.inject({ ...request, headers: auth(role) });
        const allowed = ALLOWED[route.access]!.includes(role);
        if (allowed) expect([401, 403], `${role} on ${route.method} ${route.url}: ${res.body}`).not.toContain(res.statusCode);
        else expect(res.statusCode, `${role} on ${route.method} ${route.url}`).toBe(403);
        expect(res.statusCode, `${role} on ${route.method} ${route.url}: ${res.body}`).toBeLessThan(500);
      }
    }
  });

  it('every route has a JSON schema', () => {
    const without = stack.app.routeCatalog.filter((r) => !r.hasSchema).map((r) => `${r.method} ${r.url}`);
    expect(without).toEqual([]);
  });
});

describe('input limits', () => {
  it('refuses a body over the size limit with 413 problem+json', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/employers',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ taxpayerId: 'x'.repeat(300 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('slows down a client that sends too many requests', async () => {
    const limited = await startStack({ config: { rateLimitPerMinute: 5 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await limited.app.inject({ method: 'GET', url: '/api/employers', headers: auth('auditor') })).statusCode);
      expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      const res = await limited.app.inject({ method: 'GET', url: '/api/employers', headers: auth('auditor') });
      expect(res.statusCode).toBe(429);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('RATE_LIMITED');
      expect(res.headers['retry-after']).toBeDefined();
      // Another key has its own allowance.
      expect((await limited.app.inject({ method: 'GET', url: '/api/employers', headers: auth('operator') })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
