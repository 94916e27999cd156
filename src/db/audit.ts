// The append-only audit log: who did what, when; each entry's hash covers the one before,
// so an edited or deleted entry breaks the chain.
import { createHash } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import type { Db } from './client';
import { auditLog } from './schema';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  detail?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON (sorted keys) so the hash does not depend on key order after a round trip. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function entryHash(prevHash: string, e: { at: Date; actor: string; action: string; subject: string; detail: unknown }): string {
  return createHash('sha256')
    .update(canonical([prevHash, e.at.toISOString(), e.actor, e.action, e.subject, e.detail]))
    .digest('hex');
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Appends entries inside the caller's transaction; an advisory lock keeps the chain linear. */
export async function appendAudit(tx: Tx | Db, ...entries: AuditEntry[]): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(7023311)`);
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  let prevHash = last?.hash ?? GENESIS_HASH;
  for (const e of entries) {
    // Millisecond precision: what PostgreSQL keeps must hash the same when read back.
    const at = new Date(Math.floor(Date.now()));
    const detail = e.detail ?? {};
    const hash = entryHash(prevHash, { at, actor: e.actor, action: e.action, subject: e.subject, detail });
    await tx.insert(auditLog).values({ at, actor: e.actor, action: e.action, subject: e.subject, detail, prevHash, hash });
    prevHash = hash;
  }
}

export type Transaction = Tx;
