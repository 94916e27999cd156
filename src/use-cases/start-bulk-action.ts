// Starting a bulk action from the month view (批量操作): pay the period's accepted declarations of
// the selected employers by their agreements, or print their certificates. A bulk payment passes
// the checks of one payment for every employer before anything is recorded (F-4.2 the amounts
// confirmed, F-1.3/F-1.4 the employer open, F-4.3 each declaration password): one refusal refuses
// the action, with every employer's reason. Then the action, its entries and its workflow's start
// are recorded in one transaction and the workflow started; a repeat of the keyed request carries
// on with the action its first try recorded.
import { Problem } from '../domain/problem';
import { bulkCounts, getBulkAction, insertBulkAction, type BulkActionRow } from '../db/bulk-actions';
import { AMOUNT_CHECK } from '../domain/notices';
import { MAX_BULK_PAYMENT_EMPLOYERS, MAX_BULK_PRINT_EMPLOYERS, countBulk, type BulkActionKind, type BulkCounts } from '../domain/bulk-action';
import { DEFAULT_CONTINUE_AS_NEW_EVERY } from '../domain/batch';
import type { BulkActionInput } from '../contracts/bulk-action';
import type { Caller, Services } from './context';
import { openEmployer, withDeclarationPassword } from './employer-access';
import { checkKnownEmployers } from './start-declaration-batch';
import { newWorkId, startWork } from './start-work';
import { WORKFLOW } from '../contracts/workflow-types';

/** Employers handled at once: payments wait for the bureau's budget, prints for the browser pool. */
const BULK_CONCURRENCY = 4;
/** Declaration passwords checked at once while the request waits. */
const PASSWORD_CHECKS_AT_ONCE = 4;

export interface BulkActionRequest {
  kind: BulkActionKind;
  period: string;
  employers: { employerId: string; password?: string | undefined }[];
  /** For a payment, F-4.2: the operator checked the insurance types and amounts. */
  amountConfirmed?: boolean | undefined;
}

export interface StartedBulkAction {
  bulk: BulkActionRow;
  progress: BulkCounts;
  workflowStarted: boolean;
}

interface Refusal {
  employerId: string;
  code: string;
  detail: string;
  attemptsLeft?: number;
}

const refusalOf = (employerId: string, err: unknown): Refusal => {
  if (!(err instanceof Problem)) throw err;
  const attemptsLeft = err.extra.attemptsLeft;
  return { employerId, code: err.code, detail: err.detail ?? err.title, ...(typeof attemptsLeft === 'number' ? { attemptsLeft } : {}) };
};

/** Runs `check` for every employer, a few at once; answers the refusals. */
async function refusalsOf(employers: BulkActionRequest['employers'], check: (e: BulkActionRequest['employers'][number]) => Promise<unknown>): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  for (let i = 0; i < employers.length; i += PASSWORD_CHECKS_AT_ONCE) {
    await Promise.all(
      employers.slice(i, i + PASSWORD_CHECKS_AT_ONCE).map((e) =>
        check(e).catch((err: unknown) => {
          refusals.push(refusalOf(e.employerId, err));
        }),
      ),
    );
  }
  return refusals;
}

/** The checks of one payment for each employer; nothing is recorded when one refuses. */
async function checkPayment(services: Services, request: BulkActionRequest): Promise<void> {
  if (request.amountConfirmed !== true) throw new Problem(422, 'AMOUNT_NOT_CONFIRMED', 'Confirm the insurance types and amounts first', AMOUNT_CHECK);
  const missing = request.employers.filter((e) => !e.password).map((e) => e.employerId);
  if (missing.length > 0) {
    throw new Problem(422, 'PASSWORD_REQUIRED', 'Give each employer’s declaration password', `no password for ${missing.join(', ')}`, { employerIds: missing });
  }
  const employers = new Map<string, string>();
  const closed = await refusalsOf(request.employers, async (e) => employers.set(e.employerId, (await openEmployer(services, e.employerId)).taxpayerId));
  if (closed.length > 0) {
    throw new Problem(409, 'EMPLOYERS_NOT_OPEN', 'Some employers cannot be paid for now', closed.map((r) => `${r.employerId}: ${r.detail}`).join('; '), { refusals: closed });
  }
  // F-4.3: every password checked by the bureau, counted towards its lockout like one payment's.
  const wrong = await refusalsOf(request.employers, (e) =>
    withDeclarationPassword(services, employers.get(e.employerId)!, () => services.bureau.verifyPassword(employers.get(e.employerId)!, e.password!)),
  );
  if (wrong.length > 0) {
    throw new Problem(422, 'PASSWORDS_REFUSED', 'Some declaration passwords were refused', wrong.map((r) => `${r.employerId}: ${r.detail}`).join('; '), { refusals: wrong });
  }
}

export async function startBulkAction(services: Services, caller: Caller, request: BulkActionRequest): Promise<StartedBulkAction> {
  const { result, workflowStarted } = await startWork(services, caller, {
    subject: 'bulk_action',
    found: async (earlier) => {
      const bulk = (await getBulkAction(services.db, earlier.subjectId))!;
      return { bulk, progress: await bulkCounts(services.db, bulk.id) };
    },
    record: async ({ startWith }) => {
      const employerIds = request.employers.map((e) => e.employerId);
      const repeated = employerIds.filter((id, i) => employerIds.indexOf(id) !== i);
      if (repeated.length > 0) throw new Problem(422, 'EMPLOYER_REPEATED', 'An employer is listed twice', `list each employer once: ${[...new Set(repeated)].join(', ')}`);
      const max = request.kind === 'pay' ? MAX_BULK_PAYMENT_EMPLOYERS : MAX_BULK_PRINT_EMPLOYERS;
      if (employerIds.length > max) throw new Problem(422, 'BULK_TOO_LARGE', 'Too many employers for one action', `at most ${max}: select fewer, or run several actions`);
      await checkKnownEmployers(services, employerIds);
      if (request.kind === 'pay') await checkPayment(services, request);
      else if (request.employers.some((e) => e.password)) {
        throw new Problem(422, 'PASSWORD_NOT_ALLOWED', 'A print needs no password', 'omit password: certificates are printed without the declaration password');
      }

      const id = newWorkId(caller, 'M');
      const workflowId = `bulk-action-${id}`;
      const input: BulkActionInput = { bulkId: id, kind: request.kind, period: request.period, total: employerIds.length, concurrency: BULK_CONCURRENCY, continueAsNewEvery: DEFAULT_CONTINUE_AS_NEW_EVERY };
      const start = startWith({
        workflowId,
        workflowType: WORKFLOW.bulkActionWorkflow,
        subjectType: 'bulk_action',
        subjectId: id,
        attributes: { period: request.period, status: 'running' },
        args: [input],
      });
      const bulk = await insertBulkAction(services.db, { id, kind: request.kind, period: request.period, employerIds, workflowId, actor: caller.actor }, start);
      return { result: { bulk, progress: countBulk([{ status: 'pending', n: employerIds.length }]) }, start: workflowId };
    },
  });
  return { ...result, workflowStarted };
}
