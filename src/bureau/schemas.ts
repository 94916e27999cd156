// JSON schemas of the bureau's routes. Requests are validated before any state is touched;
// responses are serialised through them, so internal fields (password hashes, holds) never leak.
import { DECLARATION_KINDS, INSURANCE_TYPES, PERIOD_PATTERN } from '../domain/fee-items';
import { DEDUCTION_FAILURE_CODES, DEDUCTION_SUCCESS_CODE, FAULT_MODES, FAULT_OPERATIONS } from './contract';

const str = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1, maxLength: 128 } as const;
const fen = { type: 'integer' } as const;
const positiveFen = { type: 'integer', minimum: 1 } as const;
const period = { type: 'string', pattern: PERIOD_PATTERN } as const;
const kind = { type: 'string', enum: DECLARATION_KINDS } as const;
const ok = { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } } as const;

export const errorBody = {
  $id: 'BureauError',
  type: 'object',
  required: ['code', 'message'],
  properties: { code: str, message: str },
} as const;

/** The error answers every route may give. */
const errors = { '4xx': { $ref: 'BureauError#' }, '5xx': { $ref: 'BureauError#' } } as const;

function withErrors<T extends object>(success: T): T & typeof errors {
  return { ...success, ...errors };
}

export const taxpayerParams = {
  type: 'object',
  required: ['taxpayerId'],
  properties: { taxpayerId: { type: 'string', pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' } },
} as const;

const idParams = (name: string) => ({ type: 'object', required: [name], properties: { [name]: nonEmpty } }) as const;

const agreement = {
  type: 'object',
  required: ['agreementId', 'bankName', 'accountName', 'accountNumber', 'status'],
  properties: { agreementId: nonEmpty, bankName: nonEmpty, accountName: nonEmpty, accountNumber: nonEmpty, status: { type: 'string', enum: ['valid', 'expired', 'unverified'] } },
} as const;

const account = {
  type: 'object',
  required: ['accountId', 'bankName', 'accountName', 'accountNumber'],
  properties: { accountId: nonEmpty, bankName: nonEmpty, accountName: nonEmpty, accountNumber: nonEmpty },
} as const;

const employer = {
  type: 'object',
  properties: {
    taxpayerId: str,
    unitNumber: str,
    name: str,
    taxOfficeCode: str,
    taxOfficeName: str,
    balanceFen: fen,
    agreements: { type: 'array', items: agreement },
    accounts: { type: 'array', items: account },
    passwordIsInitial: { type: 'boolean' },
  },
} as const;

const adminEmployer = { ...employer, properties: { ...employer.properties, accountFrozen: { type: 'boolean' } } } as const;

const feeItem = {
  type: 'object',
  properties: {
    itemId: str,
    kind: str,
    unitNumber: str,
    insuranceType: { type: 'string', enum: INSURANCE_TYPES },
    agency: str,
    assessedBy: str,
    period: str,
    headcount: { type: 'integer' },
    baseFen: fen,
    employerFen: fen,
    employeeFen: fen,
    amountFen: fen,
    collectionOrder: str,
    validUntil: str,
    state: str,
  },
} as const;

const decision = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['pending', 'accepted', 'rejected'] }, serial: str, reason: str, code: str, decidedAt: str },
} as const;

const receipt = { type: 'object', properties: { requestId: str, status: str } } as const;

const paymentLines = {
  type: 'array',
  minItems: 1,
  maxItems: 500,
  items: { type: 'object', required: ['itemId', 'amountFen'], additionalProperties: false, properties: { itemId: nonEmpty, amountFen: positiveFen } },
} as const;

const deductionResult = {
  type: 'object',
  properties: {
    key: str,
    result: { type: 'string', enum: ['succeeded', 'failed'] },
    code: { type: 'string', enum: [DEDUCTION_SUCCESS_CODE, ...DEDUCTION_FAILURE_CODES] },
    reason: str,
    applied: { type: 'boolean' },
    amountFen: fen,
    at: str,
  },
} as const;

const voucherAccount = {
  type: 'object',
  required: ['bankName', 'accountName', 'accountNumber'],
  additionalProperties: false,
  properties: { bankName: nonEmpty, accountName: nonEmpty, accountNumber: { type: 'string', pattern: '^[0-9]{6,32}$' } },
} as const;

const voucherIssued = { type: 'object', properties: { voucherNumber: str, issuedAt: str, deadline: str, amountFen: fen } } as const;

const voucher = {
  type: 'object',
  properties: {
    ...voucherIssued.properties,
    taxpayerId: str,
    state: { type: 'string', enum: ['issued', 'paid', 'voided', 'expired'] },
    lines: { type: 'array', items: { type: 'object', properties: { itemId: str, amountFen: fen } } },
    account: { type: ['object', 'null'], properties: voucherAccount.properties },
    paidAt: str,
    voidedAt: str,
  },
} as const;

const certificate = {
  type: 'object',
  properties: {
    certificateNumber: str,
    issuedAt: str,
    taxpayerId: str,
    period: str,
    amountFen: fen,
    lines: {
      type: 'array',
      items: { type: 'object', properties: { itemId: str, insuranceType: str, period: str, amountFen: fen, paidAt: str, originalVoucher: str } },
    },
  },
} as const;

const ledgerEntry = {
  type: 'object',
  properties: {
    key: str,
    kind: { type: 'string', enum: ['deduction', 'counter_payment'] },
    taxpayerId: str,
    amountFen: fen,
    lines: voucher.properties.lines,
    at: str,
    agreementId: str,
    voucherNumber: str,
  },
} as const;

const faultRule = {
  type: 'object',
  required: ['operation', 'mode'],
  additionalProperties: false,
  properties: {
    operation: { type: 'string', enum: FAULT_OPERATIONS },
    mode: { type: 'string', enum: FAULT_MODES },
    times: { type: 'integer', minimum: 1 },
    rate: { type: 'number', minimum: 0, maximum: 1 },
    delayMs: { type: 'integer', minimum: 0, maximum: 120_000 },
  },
} as const;

const storedFault = { type: 'object', properties: { id: { type: 'integer' }, rule: faultRule, remaining: { type: ['integer', 'null'] } } } as const;

const settings = {
  type: 'object',
  properties: { voucherDeadlineDays: { type: 'integer', minimum: 1, maximum: 365 }, resultDelayMs: { type: 'integer', minimum: 0, maximum: 600_000 } },
} as const;

const password = { type: 'string', minLength: 1, maxLength: 64 } as const;

// ---- service routes ----

export const health = { response: withErrors({ 200: { type: 'object', properties: { status: str } } }) };

export const getEmployer = { params: taxpayerParams, response: withErrors({ 200: employer }) };

export const verifyPassword = {
  params: taxpayerParams,
  body: { type: 'object', required: ['password'], additionalProperties: false, properties: { password } },
  response: withErrors({ 200: ok }),
};

export const changePassword = {
  params: taxpayerParams,
  body: {
    type: 'object',
    required: ['password', 'newPassword'],
    additionalProperties: false,
    properties: { password, newPassword: { type: 'string', minLength: 6, maxLength: 64 } },
  },
  response: withErrors({ 200: ok }),
};

export const resetPassword = { params: taxpayerParams, response: withErrors({ 200: ok }) };

export const feeItems = {
  params: taxpayerParams,
  querystring: {
    type: 'object',
    required: ['kind'],
    properties: { kind, page: { type: 'integer', minimum: 1, default: 1 }, pageSize: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
  },
  response: withErrors({
    200: { type: 'object', properties: { items: { type: 'array', items: feeItem }, page: { type: 'integer' }, pageSize: { type: 'integer' }, total: { type: 'integer' } } },
  }),
};

export const declare = {
  body: {
    type: 'object',
    required: ['requestId', 'taxpayerId', 'kind', 'itemIds'],
    additionalProperties: false,
    properties: {
      requestId: nonEmpty,
      taxpayerId: taxpayerParams.properties.taxpayerId,
      kind,
      itemIds: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: nonEmpty },
    },
  },
  response: withErrors({ 202: receipt }),
};

export const declarationResult = { params: idParams('requestId'), response: withErrors({ 200: decision }) };

export const requestVoid = {
  body: {
    type: 'object',
    required: ['requestId', 'declarationRequestId'],
    additionalProperties: false,
    properties: { requestId: nonEmpty, declarationRequestId: nonEmpty },
  },
  response: withErrors({ 202: receipt }),
};

export const voidResult = declarationResult;

export const deduct = {
  body: {
    type: 'object',
    required: ['key', 'taxpayerId', 'agreementId', 'lines', 'amountFen'],
    additionalProperties: false,
    properties: { key: nonEmpty, taxpayerId: taxpayerParams.properties.taxpayerId, agreementId: nonEmpty, lines: paymentLines, amountFen: positiveFen },
  },
  response: withErrors({ 200: deductionResult }),
};

export const deductionStatus = {
  params: idParams('key'),
  response: withErrors({
    200: { type: 'object', properties: { key: str, state: { type: 'string', enum: ['applied', 'failed', 'not_found'] }, result: deductionResult } },
  }),
};

export const issueVoucher = {
  body: {
    type: 'object',
    required: ['key', 'taxpayerId', 'lines'],
    additionalProperties: false,
    properties: { key: nonEmpty, taxpayerId: taxpayerParams.properties.taxpayerId, lines: paymentLines, account: voucherAccount },
  },
  response: withErrors({ 200: voucherIssued }),
};

export const getVoucher = { params: idParams('voucherNumber'), response: withErrors({ 200: voucher }) };

export const voidVoucher = getVoucher;

export const issueCertificate = {
  body: {
    type: 'object',
    required: ['key', 'taxpayerId', 'period'],
    additionalProperties: false,
    properties: { key: nonEmpty, taxpayerId: taxpayerParams.properties.taxpayerId, period },
  },
  response: withErrors({ 200: certificate }),
};

// ---- admin routes ----

export const adminReset = { response: withErrors({ 200: ok }) };

export const adminSeed = {
  body: {
    type: 'object',
    required: ['employers', 'periods'],
    additionalProperties: false,
    properties: {
      employers: { type: 'integer', minimum: 0, maximum: 10_000 },
      periods: { type: 'array', maxItems: 60, uniqueItems: true, items: period },
      seed: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
    },
  },
  response: withErrors({
    200: { type: 'object', properties: { employers: { type: 'array', items: { type: 'object', properties: { taxpayerId: str, unitNumber: str, name: str } } } } },
  }),
};

export const adminListEmployers = {
  response: withErrors({ 200: { type: 'object', properties: { employers: { type: 'array', items: adminEmployer } } } }),
};

export const adminAddEmployer = {
  body: {
    type: 'object',
    required: ['taxpayerId', 'unitNumber', 'name'],
    additionalProperties: false,
    properties: {
      taxpayerId: nonEmpty,
      unitNumber: { type: 'string', pattern: '^[0-9A-Za-z]{1,20}$' },
      name: nonEmpty,
      balanceFen: { type: 'integer', minimum: 0 },
      agreements: { type: 'array', items: { ...agreement, additionalProperties: false } },
      accounts: { type: 'array', items: { ...account, additionalProperties: false } },
      periods: { type: 'array', maxItems: 60, uniqueItems: true, items: period },
    },
  },
  response: withErrors({ 201: adminEmployer }),
};

export const adminPatchEmployer = {
  params: taxpayerParams,
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { balanceFen: { type: 'integer', minimum: 0 }, accountFrozen: { type: 'boolean' } },
  },
  response: withErrors({ 200: adminEmployer }),
};

export const paymentsByDate = {
  querystring: {
    type: 'object',
    required: ['date'],
    additionalProperties: false,
    properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a day in China time, YYYY-MM-DD' } },
  },
  response: withErrors({ 200: { type: 'object', properties: { date: str, entries: { type: 'array', items: ledgerEntry } } } }),
};

export const adminLedger = {
  response: withErrors({ 200: { type: 'object', properties: { entries: { type: 'array', items: ledgerEntry } } } }),
};

export const adminPayVoucher = getVoucher;

const condition = { type: 'string', enum: ['normal', 'revoked', 'expired', 'not_normal'] } as const;

/** Either new items for a period (taxpayerId + period), or a new state for one item (itemId + state). */
export const adminAssessments = {
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { taxpayerId: taxpayerParams.properties.taxpayerId, period, kind, state: condition, itemId: nonEmpty },
    // Only `required` in the branches: Ajv's removeAdditional would otherwise strip fields per branch.
    oneOf: [{ required: ['taxpayerId', 'period'] }, { required: ['itemId', 'state'] }],
  },
  response: withErrors({ 200: { type: 'object', properties: { items: { type: 'array', items: feeItem } } } }),
};

export const adminAddFault = { body: faultRule, response: withErrors({ 201: storedFault }) };

export const adminListFaults = { response: withErrors({ 200: { type: 'object', properties: { faults: { type: 'array', items: storedFault } } } }) };

export const adminClearFaults = adminReset;

export const adminSettings = { body: { ...settings, additionalProperties: false, minProperties: 1 }, response: withErrors({ 200: settings }) };

export const adminGetSettings = { response: withErrors({ 200: settings }) };

export const adminState = { response: withErrors({ 200: { type: 'object', additionalProperties: true } }) };

export const adminRequests = {
  querystring: { type: 'object', additionalProperties: false, properties: { since: { type: 'integer', minimum: 0 } } },
  response: withErrors({ 200: { type: 'object', properties: { times: { type: 'array', items: { type: 'integer' } } } } }),
};
