// Employers (F-1): add one after the bureau confirms it and its initial password; the declaration
// password's change, sign-in, sign-out and reset.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listEmployers } from '../../db/employers';
import { maskAccount } from '../../domain/payment';
import { employerOr404 } from '../../use-cases/employer-access';
import { addEmployer, changeEmployerPassword, resetEmployerPassword, signInEmployer, signOutEmployer } from '../../use-cases/employers';
import { callerOf } from '../caller';
import { pageKey } from '../paging';
import { IdParams, Type, errors } from '../schemas/common';
import { EMPLOYERS_LIMIT, EmployerDetail, EmployerList, EmployersQuery, EmployerView, EmployerWithMessage, Password, TaxpayerIdInput, UnitNumber } from '../schemas/employers';
import { employerView } from '../views';

const employerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/employers',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Add an employer (F-1.1, F-1.2): taxpayer ID typed twice, checked with the bureau',
        tags: ['employers'],
        body: Type.Object(
          {
            taxpayerId: TaxpayerIdInput,
            taxpayerIdConfirm: Type.String({ minLength: 1, maxLength: 40, description: 'the taxpayer ID typed again' }),
            unitNumber: UnitNumber,
            password: Password('申报密码, initially the last 6 characters of the unit number (padded with 0 when shorter)'),
          },
          { additionalProperties: false },
        ),
        response: { 201: EmployerView, ...errors(400, 401, 403, 409, 422, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(employerView(await addEmployer(app, callerOf(request), request.body))),
  );

  app.get(
    '/employers',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Employers, oldest first, found by name, taxpayer ID or unit number (`q`)',
        description: 'Page with `cursor` = the answer’s `nextCursor`.',
        tags: ['employers'],
        querystring: EmployersQuery,
        response: { 200: EmployerList, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listEmployers(app.db, { q: q.q, after: pageKey(q.cursor), limit: q.limit ?? EMPLOYERS_LIMIT });
      return { employers: page.rows.map(employerView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/employers/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'One employer with its agreements and reported accounts',
        tags: ['employers'],
        params: IdParams('employer'),
        response: { 200: EmployerDetail, ...errors(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      const known = await app.bureau.getEmployer(employer.taxpayerId);
      return {
        ...employerView(employer),
        agreements: known.agreements.map((a) => ({ agreementId: a.agreementId, bankName: a.bankName, accountName: a.accountName, account: maskAccount(a.accountNumber), status: a.status })),
        accounts: known.accounts.map((a) => ({ accountId: a.accountId, bankName: a.bankName, accountName: a.accountName, account: maskAccount(a.accountNumber) })),
      };
    },
  );

  app.post(
    '/employers/:id/password',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Change the declaration password (F-1.3): the current one, the new one twice',
        tags: ['employers'],
        params: IdParams('employer'),
        body: Type.Object(
          {
            password: Password('the current declaration password'),
            newPassword: Password('6 to 20 letters or digits, neither the current nor the initial password'),
            newPasswordConfirm: Password('the new password typed again'),
          },
          { additionalProperties: false },
        ),
        response: { 200: EmployerWithMessage, ...errors(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request) => {
      const employer = await changeEmployerPassword(app, callerOf(request), { employerId: request.params.id, ...request.body });
      // F-1.3: "modified successfully", then back to sign-in.
      return { ...employerView(employer), message: '修改成功 Modified successfully: sign in with the new password' };
    },
  );

  app.post(
    '/employers/:id/sign-in',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Sign in to an employer with its declaration password (F-1.4), for a limited time',
        tags: ['employers'],
        params: IdParams('employer'),
        body: Type.Object({ password: Password('the declaration password 申报密码') }, { additionalProperties: false }),
        response: { 200: EmployerView, ...errors(400, 401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request) => employerView(await signInEmployer(app, callerOf(request), { employerId: request.params.id, password: request.body.password })),
  );

  app.post(
    '/employers/:id/sign-out',
    {
      config: { access: 'write' },
      schema: { summary: 'End the sign-in to an employer now', tags: ['employers'], params: IdParams('employer'), response: { 200: EmployerView, ...errors(401, 403, 404) } },
    },
    async (request) => employerView(await signOutEmployer(app, callerOf(request), request.params.id)),
  );

  app.post(
    '/employers/:id/password-reset',
    {
      config: { access: 'staff' },
      schema: {
        summary: 'Reset a forgotten declaration password (F-1.5, tax bureau staff only): back to the initial one, to be changed again',
        tags: ['employers'],
        params: IdParams('employer'),
        response: { 200: EmployerWithMessage, ...errors(401, 403, 404, 503) },
      },
    },
    async (request) => ({
      ...employerView(await resetEmployerPassword(app, callerOf(request), request.params.id)),
      message: 'the password is the initial one again (last 6 characters of the unit number); it must be changed before use',
    }),
  );
};

export default employerRoutes;
