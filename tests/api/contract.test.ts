// The published contract: every /api route documents its success answer, and the typed client
// committed in client/ is exactly what the running service publishes at /docs/json.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DOCUMENT, CLIENT_TYPES, clientFiles } from '../../scripts/client-files';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('the published contract', () => {
  it('documents the success answer of every route', () => {
    const undocumented = stack.app.routeCatalog.filter((r) => !r.documentsSuccess).map((r) => `${r.method} ${r.url}`);
    expect(undocumented).toEqual([]);
  });

  it('is what client/ was generated from (npm run client:generate after a schema change)', async () => {
    const published = await stack.client.GET('/docs/json' as never).then((r) => r.data);
    const files = await clientFiles(published);
    expect(files.document, `${CLIENT_DOCUMENT} differs from /docs/json: run npm run client:generate`).toBe(readFileSync(CLIENT_DOCUMENT, 'utf8'));
    expect(files.types, `${CLIENT_TYPES} differs: run npm run client:generate`).toBe(readFileSync(CLIENT_TYPES, 'utf8'));
  });

  it('names ids by what they are of, and enums by their values', () => {
    const doc = JSON.parse(readFileSync(CLIENT_DOCUMENT, 'utf8'));
    const health = doc.paths['/health'].get.responses['200'].content['application/json'].schema;
    expect(health.properties.status.enum).toEqual(['ok', 'degraded', 'draining']);
  });
});
