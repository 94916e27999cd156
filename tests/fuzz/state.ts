// A fingerprint of everything the service stores: one hash per table of the public schema (the
// audit log included), read in one round trip, so a fuzzed request that changed anything is
// caught at that request.
import postgres from 'postgres';

export interface StateReader {
  /** table name → md5 of all its rows (and the row count). */
  read(): Promise<Map<string, string>>;
  /** The idempotency keys stored, with the status of their first answer. */
  idempotencyRows(): Promise<{ actor: string; key: string; status: number | null; body: string }[]>;
  close(): Promise<void>;
}

export async function stateReader(databaseUrl: string): Promise<StateReader> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const tables = (await sql<{ tablename: string }[]>`select tablename from pg_tables where schemaname = 'public' order by tablename`).map((r) => r.tablename);
  if (tables.length === 0) throw new Error('no tables in the public schema');
  // The audit log by its entries: a read may chain entries written a moment before (hash and
  // chain_pos, src/db/audit.ts), which is bookkeeping, not a change of what was recorded. Without
  // the archiver's entries: the worker archives a workflow whenever it closes, whatever request
  // happens to be in flight (src/worker/archive-on-close.ts), and no request asks for that.
  const source = (t: string) =>
    t === 'audit_log' ? "(select seq, at, actor, action, subject, detail from audit_log where action <> 'workflow.archived')" : `"${t}"`;
  const query = tables
    .map((t) => `select '${t}' as t, count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as h from ${source(t)} x`)
    .join(' union all ');
  return {
    async read() {
      const rows = await sql.unsafe<{ t: string; h: string }[]>(query);
      return new Map(rows.map((r) => [r.t, r.h]));
    },
    async idempotencyRows() {
      const rows = await sql<{ actor: string; key: string; status_code: number | null; body: unknown }[]>`select actor, key, status_code, body from idempotency_keys`;
      return rows.map((r) => ({ actor: r.actor, key: r.key, status: r.status_code, body: JSON.stringify(r.body) }));
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((t) => before.get(t) !== after.get(t));
}
