// Which of an employer's assessed fee items 应征费款 can be declared now (F-2.1–F-2.3, F-2.8):
// downloaded from the bureau, filtered, and split into declarable and excluded with the reason.
import { heldItemIds } from '../db/declarations';
import type { EmployerRow } from '../db/employers';
import { chinaDay } from '../domain/batch';
import { partitionItems, type DeclarationKind, type FeeItemFilter } from '../domain/fee-items';
import type { Services } from './context';
import { openEmployer } from './employer-access';

export interface FeeItemQuery extends FeeItemFilter {
  kind: DeclarationKind;
}

/** Downloads the employer's items of one kind; items our own declarations still hold count as declared. */
export async function loadFeeItems(services: Pick<Services, 'db' | 'bureau'>, employer: EmployerRow, query: FeeItemQuery) {
  const [all, held] = await Promise.all([services.bureau.downloadFeeItems(employer.taxpayerId, query.kind), heldItemIds(services.db, employer.id)]);
  return { all, ...partitionItems(all, query, chinaDay(new Date()), held) };
}

/** The items of an employer that may be acted for now (F-1.3, F-1.4). */
export async function employerFeeItems(services: Pick<Services, 'db' | 'bureau'>, employerId: string, query: FeeItemQuery) {
  const employer = await openEmployer(services, employerId);
  return { employer, ...(await loadFeeItems(services, employer, query)) };
}
