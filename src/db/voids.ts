// Voiding declarations (作废, F-5.3). A void starts only for an accepted, unpaid declaration
// with no payment in flight; the declaration row is locked first, as payments do, so a void and
// a payment of the same declaration cannot both start.
import { and, count, eq, inArray } from 'drizzle-orm';
import type { DecisionResult } from '../bureau/contract';
import { audited, auditing, type Transaction } from './audit';
import type { Db } from './client';
import { declarationLines, declarations, paymentLines } from './schema';

export type VoidRefusal = 'NOT_FOUND' | 'NOT_VOIDABLE' | 'DECLARATION_PAID' | 'PAYMENT_IN_FLIGHT';

export class VoidRefusedError extends Error {
  constructor(readonly reason: VoidRefusal, message: string) {
    super(message);
  }
}

/** Moves the declaration to `voiding` and names the void workflow; refuses with the reason. */
export async function startVoid(
  db: Db,
  id: string,
  actor: string,
  workflowIdFor: (n: number) => string,
  alsoRecord: (tx: Transaction, workflowId: string) => Promise<void>,
): Promise<string> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(declarations).where(eq(declarations.id, id)).for('update');
    if (!row) throw new VoidRefusedError('NOT_FOUND', `no declaration ${id}`);
    if (row.status !== 'accepted' && row.status !== 'void_rejected') {
      throw new VoidRefusedError('NOT_VOIDABLE', `declaration ${id} is ${row.status}: only an accepted declaration can be voided`);
    }
    if (row.paymentStatus !== 'unpaid') {
      throw new VoidRefusedError('DECLARATION_PAID', `declaration ${id} is ${row.paymentStatus.replace('_', ' ')}: a paid or partly paid declaration cannot be voided`);
    }
    const [inFlight] = await tx
      .select({ n: count() })
      .from(paymentLines)
      .innerJoin(declarationLines, eq(declarationLines.id, paymentLines.lineId))
      .where(and(eq(declarationLines.declarationId, id), eq(paymentLines.open, true)));
    if ((inFlight?.n ?? 0) > 0) {
      throw new VoidRefusedError('PAYMENT_IN_FLIGHT', `a payment of declaration ${id} is still running: void it after that payment ends (cancel it, or void its voucher)`);
    }
    // A rejected void may be tried again: each try is its own workflow.
    const attempt = row.voidWorkflowId ? Number(row.voidWorkflowId.split('-').pop()) + 1 : 1;
    const workflowId = workflowIdFor(attempt);
    await tx
      .with(auditing(tx, { actor, action: 'declaration.voiding', subject: id, detail: { workflowId } }))
      .update(declarations)
      .set({ status: 'voiding', voidWorkflowId: workflowId, updatedAt: new Date() })
      .where(eq(declarations.id, id));
    await alsoRecord(tx, workflowId);
    return workflowId;
  });
}

/** Records the bureau's void decision once: voided lets the items go; rejected keeps the declaration. */
export async function recordVoidDecision(db: Db, id: string, result: Exclude<DecisionResult, { status: 'pending' }>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const status = result.status === 'accepted' ? 'voided' : 'void_rejected';
    const decided = tx
      .update(declarations)
      .set({ status, resultReason: result.status === 'rejected' ? result.reason : null, updatedAt: new Date() })
      .where(and(eq(declarations.id, id), inArray(declarations.status, ['voiding'])))
      .returning({ id: declarations.id });
    if (!(await audited(tx, decided, { actor: 'bureau', action: `declaration.${status}`, subject: id, detail: { ...result } }))) return false;
    if (status === 'voided') {
      // Voided items can be declared again.
      await tx.update(declarationLines).set({ holdsItem: false }).where(eq(declarationLines.declarationId, id));
    }
    return true;
  });
}
