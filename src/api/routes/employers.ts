// Employers (F-1): add one after the bureau confirms it and its initial password.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BureauBusinessError } from '../../bureau/client';
import { findEmployer, findEmployerByTaxpayerId, insertEmployer, listEmployers } from '../../db/employers';
import { WRONG_PASSWORD_CODE } from '../../domain/password';
import { checkTaxpayerId } from '../../domain/taxpayer-id';
import { Problem, notFound } from '../problem';
import { employerView } from '../views';
import { errors, idParams } from './common';

/** Shows the bank and last four digits only: full account numbers never leave the bureau. */
export function maskAccount(accountNumber: string): string {
  return `**** ${accountNumber.slice(-4)}`;
}

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
      if (await findEmployerByTaxpayerId(app.db, taxpayerId)) {
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
      await app.bureau.verifyPassword(taxpayerId, body.password).catch((err: unknown) => {
        if (err instanceof BureauBusinessError && err.code === WRONG_PASSWORD_CODE) {
          throw new Problem(422, 'PASSWORD_INVALID', 'Wrong declaration password', err.message, { bureauCode: err.code });
        }
        throw err;
      });
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
      return reply.status(201).send({ ...employerView(employer), passwordChangeRequired: employer.passwordChangeRequired });
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
      const employer = await findEmployer(app.db, request.params.id);
      if (!employer) throw notFound('employer', request.params.id);
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
}
