// The typed client (client/index.ts) as the API tests use it: every call goes through the
// published contract's paths and types, and reaches the app in-process (app.inject), so the
// tests need no port.
import type { FastifyInstance } from 'fastify';
import { createSifeeClient, type SifeeClient } from '../../client';

/** A fetch that hands the request to the app without a socket. */
export function injectFetch(app: FastifyInstance): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const res = await app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries([...(request.headers as unknown as Iterable<[string, string]>)]),
      ...(body ? { payload: body } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of [value ?? []].flat()) headers.append(name, String(v));
    }
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new Response(empty ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
  };
}

/** A typed client with this API key (or none), talking to the app in-process. */
export function typedClient(app: FastifyInstance, apiKey?: string, headers: Record<string, string> = {}): SifeeClient {
  return createSifeeClient({ baseUrl: 'http://sifee.test', fetch: injectFetch(app), ...(apiKey ? { apiKey } : {}), headers });
}
