// Employers (F-1): adding one after the bureau confirms it and its initial password, and the
// declaration password's life: change (F-1.3), sign-in and sign-out (F-1.4), reset by tax bureau
// staff (F-1.5). Each answers the employer as it is afterwards.
import { randomUUID } from 'node:crypto';
import { Problem } from '../domain/problem';
import { BureauBusinessError } from '../bureau/client';
import { changePasswordFailures, findEmployerByTaxpayerId, insertEmployer, updateEmployer, type EmployerRow } from '../db/employers';
import { NO_FAILURES, newPasswordProblem } from '../domain/password';
import { checkTaxpayerId } from '../domain/taxpayer-id';
import type { Caller, Services } from './context';
import { employerOr404, withDeclarationPassword } from './employer-access';

export interface NewEmployer {
  taxpayerId: string;
  /** F-1.1: the taxpayer ID typed a second time. */
  taxpayerIdConfirm: string;
  unitNumber: string;
  /** F-1.2: the initial declaration password. */
  password: string;
}

/** F-1.1, F-1.2: the taxpayer ID typed twice and valid, known at the bureau with this unit number and password. */
export async function addEmployer(services: Services, caller: Caller, input: NewEmployer): Promise<EmployerRow> {
  if (input.taxpayerId.trim().toUpperCase() !== input.taxpayerIdConfirm.trim().toUpperCase()) {
    throw new Problem(422, 'TAXPAYER_ID_MISMATCH', 'The two taxpayer IDs differ', 'type the same taxpayer ID (纳税人识别号) twice');
  }
  const check = checkTaxpayerId(input.taxpayerId);
  if (!check.ok) throw new Problem(422, 'TAXPAYER_ID_INVALID', 'The taxpayer ID is not valid', check.problem);
  const taxpayerId = check.value;
  const existing = await findEmployerByTaxpayerId(services.db, taxpayerId);
  // The repeat of a keyed request whose first try added it and died before answering.
  if (existing && caller.idempotency?.resumed) return existing;
  if (existing) {
    throw new Problem(409, 'EMPLOYER_EXISTS', 'This employer was added before', `taxpayer ID ${taxpayerId} is already an employer here`);
  }
  const known = await services.bureau.getEmployer(taxpayerId).catch((err: unknown) => {
    if (err instanceof BureauBusinessError) {
      throw new Problem(422, 'UNKNOWN_AT_BUREAU', 'The bureau does not know this employer', `no employer with taxpayer ID ${taxpayerId} is registered for social insurance fees`);
    }
    throw err;
  });
  if (known.unitNumber !== input.unitNumber) {
    throw new Problem(422, 'UNIT_NUMBER_MISMATCH', 'The unit number does not match', 'the unit number (单位编号) differs from the one the bureau has for this taxpayer ID');
  }
  await withDeclarationPassword(services, taxpayerId, () => services.bureau.verifyPassword(taxpayerId, input.password));
  return insertEmployer(
    services.db,
    {
      id: randomUUID(),
      taxpayerId,
      unitNumber: known.unitNumber,
      name: known.name,
      taxOfficeCode: known.taxOfficeCode,
      taxOfficeName: known.taxOfficeName,
      passwordChangeRequired: known.passwordIsInitial,
    },
    caller.actor,
  );
}

export interface PasswordChange {
  employerId: string;
  password: string;
  newPassword: string;
  newPasswordConfirm: string;
}

/** F-1.3: the current password and the new one twice; afterwards the employer must sign in again. */
export async function changeEmployerPassword(services: Services, caller: Caller, input: PasswordChange): Promise<EmployerRow> {
  const employer = await employerOr404(services, input.employerId);
  const problem = newPasswordProblem({ ...input, unitNumber: employer.unitNumber });
  if (problem) throw new Problem(422, 'NEW_PASSWORD_INVALID', 'The new password cannot be used', problem);
  // The repeat of a keyed request whose first try may have changed it at the bureau and died:
  // the new password already works, so the change is done (and the old one would count as wrong).
  const changedBefore =
    caller.idempotency?.resumed === true &&
    (await services.bureau.verifyPassword(employer.taxpayerId, input.newPassword).then(
      () => true,
      () => false,
    ));
  if (!changedBefore) {
    await withDeclarationPassword(services, employer.taxpayerId, () => services.bureau.changePassword(employer.taxpayerId, input.password, input.newPassword));
  }
  return updateEmployer(services.db, employer.id, { passwordChangeRequired: false, signedInUntil: null }, { actor: caller.actor, action: 'employer.password_changed' });
}

/** F-1.4: signed in with the declaration password for `signInMinutes`; several employers may be open at once. */
export async function signInEmployer(services: Services, caller: Caller, input: { employerId: string; password: string }): Promise<EmployerRow> {
  const employer = await employerOr404(services, input.employerId);
  if (employer.passwordChangeRequired) {
    throw new Problem(409, 'PASSWORD_CHANGE_REQUIRED', 'The declaration password must be changed first', `change the initial password with POST /api/employers/${employer.id}/password before signing in`);
  }
  await withDeclarationPassword(services, employer.taxpayerId, () => services.bureau.verifyPassword(employer.taxpayerId, input.password));
  const signedInUntil = new Date(Date.now() + services.config.signInMinutes * 60_000);
  return updateEmployer(services.db, employer.id, { signedInUntil }, { actor: caller.actor, action: 'employer.signed_in', detail: { signedInUntil: signedInUntil.toISOString() } });
}

export async function signOutEmployer(services: Services, caller: Caller, employerId: string): Promise<EmployerRow> {
  const employer = await employerOr404(services, employerId);
  return updateEmployer(services.db, employer.id, { signedInUntil: null }, { actor: caller.actor, action: 'employer.signed_out' });
}

/** F-1.5, tax bureau staff only: back to the initial password, to be changed again; a lockout ends. */
export async function resetEmployerPassword(services: Services, caller: Caller, employerId: string): Promise<EmployerRow> {
  const employer = await employerOr404(services, employerId);
  await services.bureau.resetPassword(employer.taxpayerId);
  await changePasswordFailures(services.db, employer.taxpayerId, () => NO_FAILURES);
  return updateEmployer(services.db, employer.id, { passwordChangeRequired: true, signedInUntil: null }, { actor: caller.actor, action: 'employer.password_reset' });
}
