// One drizzle schema, two drivers: PostgreSQL through postgres.js when DATABASE_URL is set,
// embedded PGlite (PostgreSQL compiled to WASM) in DATA_DIR otherwise.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { repairDataFiles, secureDataDir } from '../data-dir';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The rows of `db.execute`: postgres.js answers with the rows, PGlite with `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export async function openDatabase(opts: { url?: string | undefined; dataDir: string; warn?: (message: string) => void }): Promise<Database> {
  if (opts.url) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    const sql = postgres(opts.url, { max: 10, onnotice: () => {} });
    const db = drizzle(sql, { schema });
    return {
      db: db as unknown as Db,
      driver: 'postgres',
      migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  // pg_trgm: the employer search's index (migration 0013), built into PostgreSQL's contrib and loaded here.
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  // Owner-only: refused if another user's, repaired if it was left open (src/data-dir.ts).
  secureDataDir(opts.dataDir, opts.warn ?? ((message) => console.warn(message)));
  const dir = path.join(opts.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const client = new PGlite(dir, { extensions: { pg_trgm } });
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Db,
    driver: 'pglite',
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    // PGlite makes its files rw-rw-rw- (inside folders of 0700): put back to 0600 at rest.
    close: async () => {
      await client.close();
      repairDataFiles(dir);
    },
  };
}
