// Reading and writing declarations. Every status change is audited in the same transaction.
import { and, desc, eq, getTableColumns, gte, inArray, lt, sql } from 'drizzle-orm';
import type { DecisionResult } from '../bureau/contract';
import type { DeclarationStatus, PaymentStatus } from '../domain/declaration';
import type { DeclarationKind, FeeItem } from '../domain/fee-items';
import { sumFen } from '../domain/money';
import { appendAudit, audited, auditing, type Transaction } from './audit';
import type { Db } from './client';
import { isUniqueViolation } from './errors';
import { afterKey, keyText, pageOf, type PageKey } from './paging';
import { declarationLines, declarations } from './schema';

export type DeclarationRow = typeof declarations.$inferSelect;
export type DeclarationLineRow = typeof declarationLines.$inferSelect;
export type DeclarationRecord = DeclarationRow & { lines: DeclarationLineRow[] };

/** Thrown when an item is already held by another declaration (unique index on held items). */
export class ItemsAlreadyDeclaredError extends Error {
  constructor(readonly itemIds: string[]) {
    super(`already declared: ${itemIds.join(', ')}`);
  }
}

export async function heldItemIds(db: Db, employerId: string): Promise<Set<string>> {
  const rows = await db
    .select({ itemId: declarationLines.itemId })
    .from(declarationLines)
    .innerJoin(declarations, eq(declarations.id, declarationLines.declarationId))
    .where(and(eq(declarations.employerId, employerId), eq(declarationLines.holdsItem, true)));
  return new Set(rows.map((r) => r.itemId));
}

export async function insertDeclaration(
  db: Db,
  d: { id: string; employerId: string; kind: DeclarationKind; workflowId: string; actor: string; items: FeeItem[] },
  /** Written in the same transaction: the request to start its workflow (none when a workflow inserts it). */
  alsoRecord: (tx: Transaction) => Promise<void> = async () => {},
): Promise<DeclarationRecord> {
  try {
    return await db.transaction(async (tx) => {
      const totalFen = sumFen(d.items.map((i) => i.amountFen));
      const submitted = auditing(tx, {
        actor: d.actor,
        action: 'declaration.submitted',
        subject: d.id,
        detail: { employerId: d.employerId, kind: d.kind, itemIds: d.items.map((i) => i.itemId), totalFen },
      });
      const [row] = await tx
        .with(submitted)
        .insert(declarations)
        .values({ id: d.id, employerId: d.employerId, kind: d.kind, status: 'submitted', totalFen, workflowId: d.workflowId, declaredBy: d.actor })
        .returning();
      const lines = await tx
        .insert(declarationLines)
        .values(
          d.items.map((i) => ({
            id: `${d.id}:${i.itemId}`,
            declarationId: d.id,
            itemId: i.itemId,
            unitNumber: i.unitNumber,
            insuranceType: i.insuranceType,
            agency: i.agency,
            period: i.period,
            headcount: i.headcount,
            baseFen: i.baseFen,
            employerFen: i.employerFen,
            employeeFen: i.employeeFen,
            amountFen: i.amountFen,
            collectionOrder: i.collectionOrder,
            validUntil: i.validUntil,
          })),
        )
        .returning();
      await alsoRecord(tx);
      return { ...row!, lines };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'declaration_lines_item_held_uq')) {
      const held = await heldItemIds(db, d.employerId);
      throw new ItemsAlreadyDeclaredError(d.items.map((i) => i.itemId).filter((id) => held.has(id)));
    }
    throw err;
  }
}

/** Withdraws a batch's declaration whose child workflow never started, so its items are free again. */
export async function deleteUnstartedDeclaration(db: Db, id: string, actor: string, reason: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(declarations).where(and(eq(declarations.id, id), eq(declarations.status, 'submitted')));
    await appendAudit(tx, { actor, action: 'declaration.withdrawn', subject: id, detail: { reason } });
  });
}

/** Records the bureau's decision once; a repeat (activity retry) changes nothing. */
export async function recordDecision(db: Db, id: string, result: Exclude<DecisionResult, { status: 'pending' }>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const status: DeclarationStatus = result.status;
    const decided = tx
      .update(declarations)
      .set({
        status,
        serial: result.status === 'accepted' ? result.serial : null,
        resultReason: result.status === 'rejected' ? result.reason : null,
        decidedAt: new Date(result.decidedAt),
        updatedAt: new Date(),
      })
      .where(and(eq(declarations.id, id), inArray(declarations.status, ['submitted', 'result_unknown'])))
      .returning({ id: declarations.id });
    if (!(await audited(tx, decided, { actor: 'bureau', action: `declaration.${result.status}`, subject: id, detail: { ...result } }))) return false;
    if (result.status === 'rejected') {
      // A rejected declaration lets its items go: they can be declared again.
      await tx.update(declarationLines).set({ holdsItem: false }).where(eq(declarationLines.declarationId, id));
    }
    return true;
  });
}

export async function markResultUnknown(db: Db, id: string): Promise<void> {
  const marked = db
    .update(declarations)
    .set({ status: 'result_unknown', updatedAt: new Date() })
    .where(and(eq(declarations.id, id), eq(declarations.status, 'submitted')))
    .returning({ id: declarations.id });
  await audited(db, marked, { actor: 'system', action: 'declaration.result_unknown', subject: id, detail: {} });
}

export async function getDeclaration(db: Db, id: string): Promise<DeclarationRecord | undefined> {
  const row = await db.query.declarations.findFirst({ where: eq(declarations.id, id) });
  if (!row) return undefined;
  const lines = await db.select().from(declarationLines).where(eq(declarationLines.declarationId, id)).orderBy(declarationLines.id);
  return { ...row, lines };
}

export interface DeclarationQuery {
  employerId?: string | undefined;
  status?: DeclarationStatus | undefined;
  declaredFrom?: string | undefined; // YYYY-MM-DD, inclusive
  declaredTo?: string | undefined; // YYYY-MM-DD, inclusive
  after?: PageKey | undefined; // the page starts after this declaration
  limit: number;
}

/** A page of declarations, newest first; each filter has an index ending in (declared_at, id). */
export async function listDeclarations(db: Db, q: DeclarationQuery): Promise<{ rows: DeclarationRow[]; nextCursor: string | null }> {
  const conditions = [
    q.employerId ? eq(declarations.employerId, q.employerId) : undefined,
    q.status ? eq(declarations.status, q.status) : undefined,
    q.declaredFrom ? gte(declarations.declaredAt, new Date(`${q.declaredFrom}T00:00:00+08:00`)) : undefined,
    q.declaredTo ? lt(declarations.declaredAt, sql`(${`${q.declaredTo}T00:00:00+08:00`}::timestamptz + interval '1 day')`) : undefined,
    afterKey(declarations.declaredAt, declarations.id, q.after, 'desc'),
  ];
  const rows = await db
    .select({ ...getTableColumns(declarations), pageAt: keyText(declarations.declaredAt) })
    .from(declarations)
    .where(and(...conditions))
    .orderBy(desc(declarations.declaredAt), desc(declarations.id))
    .limit(q.limit + 1);
  return pageOf(rows, q.limit);
}

export type { PaymentStatus };

/** F-5.1: whether any accepted declaration (of this employer, or any) is unpaid or partly paid. */
export async function hasUnpaidDeclarations(db: Db, employerId?: string): Promise<boolean> {
  const [row] = await db
    .select({ id: declarations.id })
    .from(declarations)
    .where(
      and(
        employerId ? eq(declarations.employerId, employerId) : undefined,
        // Literal, not parameters: a prepared statement's generic plan can then still use the partial index declarations_unpaid_idx.
        sql`${declarations.status} = 'accepted' and ${declarations.paymentStatus} in ('unpaid', 'partially_paid')`,
      ),
    )
    .limit(1);
  return row !== undefined;
}
