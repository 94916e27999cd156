// npm run client:generate: writes client/openapi.json and client/schema.d.ts from the routes'
// schemas. The API is built but never listens and connects to nothing: only its document is read.
import '../src/runtime/require-node'; // first: a wrong Node says so before anything runs
import { writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { buildApp } from '../src/api/app';
import { BureauClient } from '../src/bureau/client';
import { dataConverterFor } from '../src/codec/aes-gcm-codec';
import { loadConfig } from '../src/config';
import type { Db } from '../src/db/client';
import { CLIENT_DOCUMENT, CLIENT_TYPES, clientFiles } from './client-files';

const config = loadConfig({});
const sql = postgres('postgres://nobody@127.0.0.1:1/none', { max: 1 });
const app = await buildApp({
  codec: dataConverterFor(`doc1:${Buffer.alloc(32).toString('base64')}`).payloadCodecs[0]!,
  db: drizzle(sql) as unknown as Db,
  temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
  bureau: new BureauClient('http://127.0.0.1:1'),
  config,
  keys: [],
});
await app.ready();
const files = await clientFiles(app.swagger());
writeFileSync(CLIENT_DOCUMENT, files.document);
writeFileSync(CLIENT_TYPES, files.types);
await app.close();
await sql.end({ timeout: 1 });
console.log(`wrote ${CLIENT_DOCUMENT} and ${CLIENT_TYPES}`);
