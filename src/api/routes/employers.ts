// Employers (F-1): add one after the bureau confirms it and its initial password.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BureauBusinessError } from '../../bureau/client';
import { changePasswordFailures, findEmployerByTaxpayerId, insertEmployer, listEmployers, updateEmployer } from '../../db/employers';
import { NO_FAILURES, newPasswordProblem } from '../../domain/password';
import { maskAccount } from '../../domain/payment';
import { checkTaxpayerId } from '../../domain/taxpayer-id';
import { employerOr404, withDeclarationPassword } from '../../use-cases/employer-access';
import { Problem } from '../problem';
import { employerView } from '../views';
import { errors, idParams } from './common';

export default async function employerRoutes(app: FastifyInstance) {
  app.post<{ Body: { taxpayerId: string; taxpayerIdConfirm: string; unitNumber: string; password: string } }>(
    '/employers',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Add an employer (F-1.1, F-1.2): taxpayer ID typed twice, checked with the bureau',
        tags: ['employers'],
        body: {
          type: 'object',
          properties: {
            taxpayerId: { type: 'string', minLength: 1, maxLength: 40, description: '统一社会信用代码' },
            taxpayerIdConfirm: { type: 'string', minLength: 1, maxLength: 40 },
            unitNumber: { type: 'string', minLength: 1, maxLength: 30, pattern: '^[0-9A-Za-z]+$', description: '单位编号' },
            password: { type: 'string', minLength: 1, maxLength: 64, description: '申报密码 (initially the last 6 characters of the unit number)' },
          },
          required: ['taxpayerId', 'taxpayerIdConfirm', 'unitNumber', 'password'],
          additionalProperties: false,
        },
        response: { 201: { type: 'object', additionalProperties: true }, ...errors(400, 401, 403, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.taxpayerId.trim().toUpperCase() !== body.taxpayerIdConfirm.trim().toUpperCase()) {
        throw new Problem(422, 'TAXPAYER_ID_MISMATCH', 'The two taxpayer IDs differ', 'type the same taxpayer ID (纳税人识别号) twice');
      }
      const check = checkTaxpayerId(body.taxpayerId);
      if (!check.ok) throw new Problem(422, 'TAXPAYER_ID_INVALID', 'The taxpayer ID is not valid', check.problem);
      const taxpayerId = check.value;
      const existing = await findEmployerByTaxpayerId(app.db, taxpayerId);
      // The repeat of a keyed request whose first try added it and died before answering.
      if (existing && request.idempotency?.resumed) return reply.status(201).send(employerView(existing));
      if (existing) {
        throw new Problem(409, 'EMPLOYER_EXISTS', 'This employer was added before', `taxpayer ID ${taxpayerId} is already an employer here`);
      }
      const known = await app.bureau.getEmployer(taxpayerId).catch((err: unknown) => {
        if (err instanceof BureauBusinessError) {
          throw new Problem(422, 'UNKNOWN_AT_BUREAU', 'The bureau does not know this employer', `no employer with taxpayer ID ${taxpayerId} is registered for social insurance fees`);
        }
        throw err;
      });
      if (known.unitNumber !== body.unitNumber) {
        throw new Problem(422, 'UNIT_NUMBER_MISMATCH', 'The unit number does not match', 'the unit number (单位编号) differs from the one the bureau has for this taxpayer ID');
      }
      await withDeclarationPassword(app, taxpayerId, () => app.bureau.verifyPassword(taxpayerId, body.password));
      const employer = await insertEmployer(
        app.db,
        {
          id: randomUUID(),
          taxpayerId,
          unitNumber: known.unitNumber,
          name: known.name,
          taxOfficeCode: known.taxOfficeCode,
          taxOfficeName: known.taxOfficeName,
          passwordChangeRequired: known.passwordIsInitial,
        },
        request.actor!.name,
      );
      return reply.status(201).send(employerView(employer));
    },
  );

  app.get('/employers', { config: { access: 'read' }, schema: { summary: 'All employers', tags: ['employers'], response: errors(401, 403) } }, async () => ({
    employers: (await listEmployers(app.db)).map(employerView),
  }));

  app.get<{ Params: { id: string } }>(
    '/employers/:id',
    {
      config: { access: 'read' },
      schema: { summary: 'One employer with its agreements and reported accounts', tags: ['employers'], params: idParams, response: errors(401, 403, 404) },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      const known = await app.bureau.getEmployer(employer.taxpayerId);
      return {
        ...employerView(employer),
        agreements: known.agreements.map((a) => ({
          agreementId: a.agreementId,
          bankName: a.bankName,
          accountName: a.accountName,
          account: maskAccount(a.accountNumber),
          status: a.status,
        })),
        accounts: known.accounts.map((a) => ({
          accountId: a.accountId,
          bankName: a.bankName,
          accountName: a.accountName,
          account: maskAccount(a.accountNumber),
        })),
      };
    },
  );

  const passwordField = { type: 'string', minLength: 1, maxLength: 64 } as const;

  app.post<{ Params: { id: string }; Body: { password: string; newPassword: string; newPasswordConfirm: string } }>(
    '/employers/:id/password',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Change the declaration password (F-1.3): the current one, the new one twice',
        tags: ['employers'],
        params: idParams,
        body: {
          type: 'object',
          properties: { password: passwordField, newPassword: passwordField, newPasswordConfirm: passwordField },
          required: ['password', 'newPassword', 'newPasswordConfirm'],
          additionalProperties: false,
        },
        response: errors(400, 401, 403, 404, 422, 429, 503),
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      const problem = newPasswordProblem({ ...request.body, unitNumber: employer.unitNumber });
      if (problem) throw new Problem(422, 'NEW_PASSWORD_INVALID', 'The new password cannot be used', problem);
      // The repeat of a keyed request whose first try may have changed it at the bureau and died:
      // the new password already works, so the change is done (and the old one would count as wrong).
      const changedBefore =
        request.idempotency?.resumed === true &&
        (await app.bureau.verifyPassword(employer.taxpayerId, request.body.newPassword).then(
          () => true,
          () => false,
        ));
      if (!changedBefore) {
        await withDeclarationPassword(app, employer.taxpayerId, () =>
          app.bureau.changePassword(employer.taxpayerId, request.body.password, request.body.newPassword),
        );
      }
      // F-1.3: "modified successfully", then back to sign-in.
      const updated = await updateEmployer(
        app.db,
        employer.id,
        { passwordChangeRequired: false, signedInUntil: null },
        { actor: request.actor!.name, action: 'employer.password_changed' },
      );
      return { ...employerView(updated), message: '修改成功 Modified successfully: sign in with the new password' };
    },
  );

  app.post<{ Params: { id: string }; Body: { password: string } }>(
    '/employers/:id/sign-in',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Sign in to an employer with its declaration password (F-1.4), for a limited time',
        tags: ['employers'],
        params: idParams,
        body: { type: 'object', properties: { password: passwordField }, required: ['password'], additionalProperties: false },
        response: errors(400, 401, 403, 404, 409, 422, 429, 503),
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      if (employer.passwordChangeRequired) {
        throw new Problem(409, 'PASSWORD_CHANGE_REQUIRED', 'The declaration password must be changed first', `change the initial password with POST /api/employers/${employer.id}/password before signing in`);
      }
      await withDeclarationPassword(app, employer.taxpayerId, () => app.bureau.verifyPassword(employer.taxpayerId, request.body.password));
      const signedInUntil = new Date(Date.now() + app.config.signInMinutes * 60_000);
      const updated = await updateEmployer(app.db, employer.id, { signedInUntil }, { actor: request.actor!.name, action: 'employer.signed_in', detail: { signedInUntil: signedInUntil.toISOString() } });
      return employerView(updated);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/employers/:id/sign-out',
    {
      config: { access: 'write' },
      schema: { summary: 'End the sign-in to an employer now', tags: ['employers'], params: idParams, response: errors(401, 403, 404) },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      return employerView(await updateEmployer(app.db, employer.id, { signedInUntil: null }, { actor: request.actor!.name, action: 'employer.signed_out' }));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/employers/:id/password-reset',
    {
      config: { access: 'staff' },
      schema: {
        summary: 'Reset a forgotten declaration password (F-1.5, tax bureau staff only): back to the initial one, to be changed again',
        tags: ['employers'],
        params: idParams,
        response: errors(401, 403, 404, 503),
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      await app.bureau.resetPassword(employer.taxpayerId);
      await changePasswordFailures(app.db, employer.taxpayerId, () => NO_FAILURES);
      const updated = await updateEmployer(
        app.db,
        employer.id,
        { passwordChangeRequired: true, signedInUntil: null },
        { actor: request.actor!.name, action: 'employer.password_reset' },
      );
      return { ...employerView(updated), message: 'the password is the initial one again (last 6 characters of the unit number); it must be changed before use' };
    },
  );
}
