// Reading and writing declarations. Every status change is audited in the same transaction.
import { and, desc, eq, getTableColumns, gte, inArray, lt, sql, type Placeholder } from 'drizzle-orm';
import type { DecisionResult } from '../bureau/contract';
import type { DeclarationStatus, PaymentStatus } from '../domain/declaration';
import type { DeclarationKind, FeeItem } from '../domain/fee-items';
import { sumFen } from '../domain/money';
import type { StartValues } from '../temporal/workflow-starts';
import { appendAudit, audited } from './audit';
import { recountFinishedBatch } from './batches';
import type { Db } from './client';
import { isNotNullViolation, isUniqueViolation } from './errors';
import { afterKey, keyText, pageOf, type PageKey } from './paging';
import { auditLog, declarationLines, declarations, employers, workflowStarts } from './schema';

export type DeclarationRow = typeof declarations.$inferSelect;
export type DeclarationLineRow = typeof declarationLines.$inferSelect;
export type DeclarationRecord = DeclarationRow & { lines: DeclarationLineRow[] };

/** Thrown when an item is already held by another declaration (unique index on held items). */
export class ItemsAlreadyDeclaredError extends Error {
  constructor(readonly itemIds: string[]) {
    super(`already declared: ${itemIds.join(', ')}`);
  }
}

/** Thrown when a declaration was to be written only for an employer that may be acted for, and it may not (or is not there). */
export class EmployerNotOpenError extends Error {
  constructor(readonly employerId: string) {
    super(`employer ${employerId} may not be acted for now`);
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

/**
 * Writes a declaration, its lines, its audit entry and (when given) the request to start its
 * workflow in one statement: as atomic as a transaction, in one round trip, and a conflict on a
 * held item leaves nothing behind. `whileOpen`: only while the employer's initial password is
 * changed and it is signed in (openEmployer's rule, checked by the same statement), else
 * EmployerNotOpenError.
 */
export async function insertDeclaration(
  db: Db,
  d: { id: string; employerId: string; kind: DeclarationKind; workflowId: string; actor: string; items: FeeItem[]; whileOpen?: boolean },
  /** Its workflow's start request (none when a workflow inserts the declaration). */
  start?: StartValues,
): Promise<DeclarationRecord> {
  const totalFen = sumFen(d.items.map((i) => i.amountFen));
  const lines = d.items
    .map((i) => ({
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
      paidFen: 0,
      holdsItem: true,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const values = {
    ...named('d.', { id: d.id, employerId: d.employerId, kind: d.kind, totalFen, workflowId: d.workflowId, declaredBy: d.actor }),
    ...Object.assign({}, ...lines.map((l, n) => named(`l${n}.`, l))),
    // As appendAudit writes it (unchained; the chainer hashes it after the commit).
    ...named('a.', { at: new Date(), detail: { employerId: d.employerId, kind: d.kind, itemIds: d.items.map((i) => i.itemId), totalFen } }),
    ...(start ? named('s.', { ...start, requestRef: start.requestRef ?? null }) : {}),
  };
  try {
    const [written] = await declarationStatement(db, { lines: lines.length, whileOpen: d.whileOpen === true, start: start !== undefined }).execute(values);
    return { ...written!, lines };
  } catch (err) {
    if (isUniqueViolation(err, 'declaration_lines_item_held_uq')) {
      const held = await heldItemIds(db, d.employerId);
      throw new ItemsAlreadyDeclaredError(d.items.map((i) => i.itemId).filter((id) => held.has(id)));
    }
    if (d.whileOpen && isNotNullViolation(err, 'employer_id')) throw new EmployerNotOpenError(d.employerId);
    throw err;
  }
}

/** An object's values under the names `<prefix><key>`, as the statement's placeholders are named. */
function named(prefix: string, o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [prefix + k, v]));
}

/** Placeholders named `<prefix><field>` for these fields. */
function placeholders<F extends string>(prefix: string, fields: readonly F[]): Record<F, Placeholder> {
  return Object.fromEntries(fields.map((f) => [f, sql.placeholder(prefix + f)])) as Record<F, Placeholder>;
}

const LINE_FIELDS = ['id', 'declarationId', 'itemId', 'unitNumber', 'insuranceType', 'agency', 'period', 'headcount', 'baseFen', 'employerFen', 'employeeFen', 'amountFen', 'collectionOrder', 'validUntil', 'paidFen', 'holdsItem'] as const;
const START_FIELDS = ['workflowId', 'workflowType', 'taskQueue', 'subjectType', 'subjectId', 'requestRef', 'args', 'searchAttributes'] as const;

interface Shape {
  lines: number;
  whileOpen: boolean;
  start: boolean;
}

type DeclarationStatement = { execute(values: Record<string, unknown>): Promise<DeclarationRow[]> };

/** Per database, the statement of each shape, prepared once: building it costs more than running it. */
const statements = new WeakMap<Db, Map<string, DeclarationStatement>>();

function declarationStatement(db: Db, shape: Shape): DeclarationStatement {
  let prepared = statements.get(db);
  if (!prepared) statements.set(db, (prepared = new Map()));
  const key = `insert_declaration_${shape.lines}_${shape.whileOpen}_${shape.start}`;
  let statement = prepared.get(key);
  if (statement) return statement;
  const d = placeholders('d.', ['id', 'employerId', 'kind', 'totalFen', 'workflowId', 'declaredBy'] as const);
  // Not open: the employer id is null, which the column refuses (and the whole statement with it).
  const employerId = shape.whileOpen
    ? sql`(select ${employers.id} from ${employers} where ${employers.id} = ${d.employerId} and not ${employers.passwordChangeRequired} and ${employers.signedInUntil} > now())`
    : d.employerId;
  const row = db.$with('d').as(db.insert(declarations).values({ ...d, employerId, status: 'submitted' }).returning());
  const audit = placeholders('a.', ['at', 'detail'] as const);
  // Every data-modifying CTE runs to completion; the lines' foreign key is checked at the statement's end.
  const writes = [
    row,
    db.$with('l').as(db.insert(declarationLines).values(Array.from({ length: shape.lines }, (_, n) => placeholders(`l${n}.`, LINE_FIELDS)))),
    db.$with('a').as(db.insert(auditLog).values({ ...audit, actor: d.declaredBy, action: 'declaration.submitted', subject: d.id })),
    ...(shape.start ? [db.$with('s').as(db.insert(workflowStarts).values(placeholders('s.', START_FIELDS)))] : []),
  ];
  statement = db.with(...writes).select().from(row).prepare(key);
  prepared.set(key, statement);
  return statement;
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
    await recountFinishedBatch(tx, id);
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
  period?: string | undefined; // YYYY-MM: declarations with a line of this fee period
  after?: PageKey | undefined; // the page starts after this declaration
  limit: number;
}

/** A page of declarations, newest first; each filter has an index ending in (declared_at, id). */
/** The fee periods of a declaration's lines, oldest first (spelt out: drizzle leaves columns unqualified in a select list). */
const periodsOf = sql<string[]>`array(select distinct dl.period from declaration_lines dl where dl.declaration_id = "declarations"."id" order by 1)`;

export async function listDeclarations(db: Db, q: DeclarationQuery): Promise<{ rows: (DeclarationRow & { periods: string[] })[]; nextCursor: string | null }> {
  const conditions = [
    q.employerId ? eq(declarations.employerId, q.employerId) : undefined,
    q.status ? eq(declarations.status, q.status) : undefined,
    q.declaredFrom ? gte(declarations.declaredAt, new Date(`${q.declaredFrom}T00:00:00+08:00`)) : undefined,
    q.declaredTo ? lt(declarations.declaredAt, sql`(${`${q.declaredTo}T00:00:00+08:00`}::timestamptz + interval '1 day')`) : undefined,
    // The period's declarations read once (an initplan on declaration_lines_period_idx), not checked row by row.
    q.period ? sql`${declarations.id} = any(array(select distinct dl.declaration_id from declaration_lines dl where dl.period = ${q.period}))` : undefined,
    afterKey(declarations.declaredAt, declarations.id, q.after, 'desc'),
  ];
  const rows = await db
    .select({ ...getTableColumns(declarations), periods: periodsOf, pageAt: keyText(declarations.declaredAt) })
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
