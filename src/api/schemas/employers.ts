// Employers (F-1) as the API gives them, and the ids that name them at the bureau.
import { Enum, Id, NextCursor, Nullable, PageCursor, Timestamp, Type } from './common';

/** 纳税人识别号 as typed: the use case checks it and says what is wrong (so no pattern here). */
export const TaxpayerIdInput = Type.String({
  minLength: 1,
  maxLength: 40,
  description:
    'taxpayer ID 纳税人识别号: the Unified Social Credit Code 统一社会信用代码 (GB 32100-2015), 18 characters of 0-9 and A-Z without I, O, S, V, Z; the 18th is a check character computed from the first 17 (weights 3^i mod 31). Case and surrounding spaces are ignored.',
});

export const TaxpayerId = Type.String({
  pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$',
  description: 'taxpayer ID 纳税人识别号: Unified Social Credit Code 统一社会信用代码, 18 characters, the last a check character (GB 32100-2015)',
});

export const UnitNumber = Type.String({
  minLength: 1,
  maxLength: 30,
  pattern: '^[0-9A-Za-z]+$',
  description: 'unit number 单位编号: the employer’s number at the social insurance agency; its last 6 characters are the initial declaration password',
});

/** The declaration password 申报密码 (checked by the bureau, never stored here). */
export const Password = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });

export const EmployerView = Type.Object({
  id: Id('employer'),
  taxpayerId: TaxpayerId,
  unitNumber: UnitNumber,
  name: Type.String({ description: 'the employer’s registered name' }),
  taxOfficeName: Type.String({ description: 'its tax office 主管税务机关' }),
  passwordChangeRequired: Type.Boolean({ description: 'still the initial (or reset) declaration password: change it before anything else (F-1.3)' }),
  signedInUntil: Nullable(Type.String({ format: 'date-time', description: 'signed in until then (F-1.4); null when not signed in' })),
  createdAt: Timestamp,
});

/** How many employers GET /api/employers answers when the query does not say. */
export const EMPLOYERS_LIMIT = 100;

export const EmployersQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a part of the name, taxpayer ID or unit number, any case' })),
    cursor: Type.Optional(PageCursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: EMPLOYERS_LIMIT })),
  },
  { additionalProperties: false },
);

export const EmployerList = Type.Object({ employers: Type.Array(EmployerView, { description: 'oldest first' }), nextCursor: NextCursor });

/** The view with what the operator is told to do next. */
export const EmployerWithMessage = Type.Composite([EmployerView, Type.Object({ message: Type.String({ description: 'what happened and what comes next' }) })]);

const Masked = Type.String({ description: 'the account number with all but its last 4 digits masked', examples: ['**** 1234'] });

export const EmployerDetail = Type.Composite([
  EmployerView,
  Type.Object({
    agreements: Type.Array(
      Type.Object({
        agreementId: Type.String({ description: 'tripartite agreement number 三方协议号 (tax office, bank, employer) that deductions go through' }),
        bankName: Type.String(),
        accountName: Type.String(),
        account: Masked,
        status: Enum(['valid', 'expired', 'unverified'], 'whether the bank has verified the agreement and it is still in force'),
      }),
      { description: 'tripartite agreements 三方协议, as the bureau holds them' },
    ),
    accounts: Type.Array(
      Type.Object({
        accountId: Type.String({ description: 'the reported deposit account’s id at the bureau' }),
        bankName: Type.String(),
        accountName: Type.String(),
        account: Masked,
      }),
      { description: 'reported deposit accounts 存款账户账号报告' },
    ),
  }),
]);
