// Starting a declaration (申报, F-2.4, F-2.5, F-2.8; special items F-3): the headcount confirmed,
// the employer open to act for, the chosen items checked against the employer's assessed items
// (anything not declarable is refused with its F-2.8 reason before anything is recorded), the
// declaration recorded with the request to start its workflow, then the workflow started. A
// repeat of a keyed request whose first try recorded the declaration (and maybe died) carries on
// with that declaration.
//
// The common case asks the database once before starting the workflow: the employer's taxpayer id
// is known from an earlier declaration (it never changes), the items are checked against a recent
// download (fee-items.ts), and the statement that records the declaration also checks that the
// employer may be acted for. Anything refused is answered as before, from fresh data.
import type { Db } from '../db/client';
import {
  EmployerNotOpenError,
  heldItemIds,
  getDeclaration,
  insertDeclaration,
  ItemsAlreadyDeclaredError,
  type DeclarationRecord,
} from '../db/declarations';
import { chinaDay } from '../domain/china-time';
import { HEADCOUNT_WARNING } from '../domain/notices';
import { partitionItems, type DeclarationKind, type FeeItem } from '../domain/fee-items';
import { singlePeriod } from '../contracts/search-attributes';
import type { DeclarationInput } from '../contracts/declaration';
import { Problem, notFound } from '../domain/problem';
import type { Caller, Services } from './context';
import { openEmployer } from './employer-access';
import { downloadFeeItems, recentFeeItems } from './fee-items';
import { newWorkId, startWork } from './start-work';
import { WORKFLOW } from '../contracts/workflow-types';


export interface DeclarationRequest {
  employerId: string;
  kind: DeclarationKind;
  itemIds: string[];
  headcountConfirmed: boolean;
}

export interface StartedDeclaration {
  record: DeclarationRecord;
  /** false: recorded, and the reconciler starts its workflow (Temporal did not answer now). */
  workflowStarted: boolean;
  /** Recorded by this call (not by an earlier try of the same keyed request): nothing can have run or failed yet. */
  recordedNow: boolean;
}

/** An employer as declaring needs it: both ids are fixed for the employer's life. */
interface Employer {
  id: string;
  taxpayerId: string;
}

export async function declarationOr404(services: Pick<Services, 'db'>, id: string): Promise<DeclarationRecord> {
  const record = await getDeclaration(services.db, id);
  if (!record) throw notFound('declaration', id);
  return record;
}

export async function startDeclaration(services: Services, caller: Caller, request: DeclarationRequest): Promise<StartedDeclaration> {
  const { kind, itemIds } = request;
  if (request.headcountConfirmed !== true) {
    throw new Problem(422, 'HEADCOUNT_NOT_CONFIRMED', 'Confirm the headcount before declaring', HEADCOUNT_WARNING);
  }
  const { result, workflowStarted } = await startWork(services, caller, {
    subject: 'declaration',
    found: async (earlier) => ({ record: await declarationOr404(services, earlier.subjectId), recordedNow: false }),
    record: async ({ prepare }) => {
      const employer = await knownEmployer(services, request.employerId);
      const selected = await declarableChoice(services, employer, kind, itemIds);
      const id = newWorkId(caller, 'D');
      const workflowId = `declaration-${id}`;
      // Sealed before the write, so the write only inserts (bench (h)).
      const start = await prepare({
        workflowId,
        workflowType: WORKFLOW.declarationWorkflow,
        subjectType: 'declaration',
        subjectId: id,
        attributes: { employerId: employer.id, period: singlePeriod(selected.map((i) => i.period)), status: 'submitted' },
        args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind, itemIds: selected.map((i) => i.itemId), timing: services.config.declaration } satisfies DeclarationInput],
      });
      const declaration = { id, employerId: employer.id, kind, workflowId, actor: caller.actor, items: selected, whileOpen: true };
      for (let attempt = 1; ; attempt++) {
        try {
          return { result: { record: await insertDeclaration(services.db, declaration, start), recordedNow: true }, start: workflowId };
        } catch (err) {
          // Nothing was recorded. Not open: openEmployer says why (unless it was opened meanwhile: once more).
          if (err instanceof EmployerNotOpenError) {
            await openEmployer(services, employer.id);
            if (attempt === 1) continue;
          }
          // Another declaration of ours holds some of the items (a download cannot know).
          if (err instanceof ItemsAlreadyDeclaredError) {
            const confirmed = await freshCheck(services, employer, kind, itemIds);
            throw confirmed instanceof Problem
              ? confirmed
              : new Problem(409, 'ALREADY_DECLARED', 'These items are declared already', `held by another declaration: ${err.itemIds.join(', ')}`, { itemIds: err.itemIds });
          }
          throw err;
        }
      }
    },
  });
  return { ...result, workflowStarted };
}

/** Employer id → taxpayer id, per database, of the employers declared for before. */
const taxpayerIds = new WeakMap<Db, Map<string, string>>();

/** The employer by its ids: known from before, or read (refused unless it may be acted for) and remembered. */
async function knownEmployer(services: Services, employerId: string): Promise<Employer> {
  let known = taxpayerIds.get(services.db);
  if (!known) taxpayerIds.set(services.db, (known = new Map()));
  const taxpayerId = known.get(employerId);
  if (taxpayerId) return { id: employerId, taxpayerId };
  const employer = await openEmployer(services, employerId);
  known.set(employer.id, employer.taxpayerId);
  return employer;
}

/**
 * The chosen items, checked against the employer's items as recently downloaded (fee-items.ts
 * says why that is safe); a refusal is answered only once a fresh download and the items our
 * declarations hold confirm it.
 */
async function declarableChoice(services: Services, employer: Employer, kind: DeclarationKind, itemIds: string[]): Promise<FeeItem[]> {
  const recent = await recentFeeItems(services, employer.taxpayerId, kind);
  const checked = check(employer, kind, recent.items, itemIds, new Set());
  if (!(checked instanceof Problem)) return checked;
  const confirmed = await freshCheck(services, employer, kind, itemIds, recent.kept ? undefined : recent.items);
  if (confirmed instanceof Problem) throw confirmed;
  return confirmed;
}

/**
 * F-2.8 against a fresh download (or the one just made) and the items our declarations hold now.
 * The employer is read again first: a refusal for the employer (not signed in …) comes before one
 * for its items, as it always has.
 */
async function freshCheck(services: Services, employer: Employer, kind: DeclarationKind, itemIds: string[], downloaded?: FeeItem[]): Promise<FeeItem[] | Problem> {
  const [items, held] = await Promise.all([
    downloaded ?? downloadFeeItems(services, employer.taxpayerId, kind),
    heldItemIds(services.db, employer.id),
    openEmployer(services, employer.id),
  ]);
  return check(employer, kind, items, itemIds, held);
}

/** F-2.8 for the chosen items among the employer's downloaded items: the items to declare, or why not. */
function check(employer: Employer, kind: DeclarationKind, all: FeeItem[], itemIds: string[], held: ReadonlySet<string>): FeeItem[] | Problem {
  const known = new Set(all.map((i) => i.itemId));
  const unknown = itemIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    return new Problem(422, 'UNKNOWN_ITEMS', 'Some items are not assessed for this employer', `not among the ${kind} items of ${employer.taxpayerId}: ${unknown.join(', ')}`, { itemIds: unknown });
  }
  const chosen = new Set(itemIds);
  const { items, excluded } = partitionItems(all.filter((i) => chosen.has(i.itemId)), {}, chinaDay(new Date()), held);
  if (excluded.length > 0) {
    const onlyDeclared = excluded.every((b) => b.reason === 'ALREADY_DECLARED');
    return new Problem(
      409,
      onlyDeclared ? 'ALREADY_DECLARED' : 'ITEM_NOT_DECLARABLE',
      onlyDeclared ? 'These items are declared already' : 'Some items cannot be declared',
      excluded.map((b) => `${b.itemId}: ${b.explanation}`).join('; '),
      { excluded },
    );
  }
  return items;
}
