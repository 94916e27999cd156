// A typed client of the API for integrators and our own tests: openapi-fetch over the types
// generated from the published document (client/schema.d.ts), so a call's path, parameters,
// body and answer are checked against the contract at compile time.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { paths, components } from './schema';
export type SifeeClient = Client<paths>;

export interface SifeeClientOptions extends ClientOptions {
  /** An API key (Authorization: Bearer …); leave out for the public routes or a cookie session. */
  apiKey?: string;
}

export function createSifeeClient({ apiKey, headers, ...options }: SifeeClientOptions): SifeeClient {
  return createClient<paths>({
    ...options,
    headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(headers as Record<string, string> | undefined) },
  });
}
