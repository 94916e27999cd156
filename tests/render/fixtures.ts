// Realistic documents for the render tests (amounts in fen; 8407924 = 84,079.24 yuan).
import type { PaymentCertificateDocument, TaxCertificateDocument, VoucherDocument } from '../../src/render/templates';

export const TAXPAYER_ID = '915201146629566696';
export const TAXPAYER_NAME = '贵州黔灵山科技有限公司';
export const TAX_OFFICE = '国家税务总局贵阳市南明区税务局';

/** 52,345.67 + 23,456.78 + 1,234.56 + 987.65 + 6,054.58 = 84,079.24 */
export const ITEMS = [
  { insuranceType: 'pension', name: '企业职工基本养老保险费', fen: 5234567, yuan: '52,345.67' },
  { insuranceType: 'medical', name: '职工基本医疗保险费', fen: 2345678, yuan: '23,456.78' },
  { insuranceType: 'unemployment', name: '失业保险费', fen: 123456, yuan: '1,234.56' },
  { insuranceType: 'work_injury', name: '工伤保险费', fen: 98765, yuan: '987.65' },
  { insuranceType: 'maternity', name: '生育保险费', fen: 605458, yuan: '6,054.58' },
] as const;
export const TOTAL_FEN = 8407924;
export const TOTAL_YUAN = '84,079.24';
export const TOTAL_CAPITALS = '捌万肆仟零柒拾玖元贰角肆分';

export function voucher(overrides: Partial<VoucherDocument> = {}): VoucherDocument {
  return {
    voucherNumber: '10015201260000123456',
    issueDate: '2026-11-05',
    taxpayerId: TAXPAYER_ID,
    taxpayerName: TAXPAYER_NAME,
    taxOfficeCode: '15201020000',
    taxOfficeName: TAX_OFFICE,
    payerName: TAXPAYER_NAME,
    payerBank: '中国工商银行贵阳中华北路支行',
    payerAccount: '2402 **** **** 7788',
    items: ITEMS.map((i) => ({ insuranceType: i.insuranceType, period: '2026-10', amountFen: i.fen })),
    totalFen: TOTAL_FEN,
    deadline: '2026-11-15',
    ...overrides,
  };
}

export function taxCertificate(overrides: Partial<TaxCertificateDocument> = {}): TaxCertificateDocument {
  return {
    certificateNumber: '352026110500000789',
    issueDate: '2026-11-20',
    taxOfficeName: TAX_OFFICE,
    taxpayerId: TAXPAYER_ID,
    taxpayerName: TAXPAYER_NAME,
    rows: ITEMS.map((i) => ({
      originalVoucherNumber: '10015201260000123456',
      insuranceType: i.insuranceType,
      periodStart: '2026-10-01',
      periodEnd: '2026-10-31',
      paidIntoTreasuryDate: '2026-11-12',
      amountFen: i.fen,
    })),
    totalFen: TOTAL_FEN,
    issuer: '电子税务局',
    remarks: '社会保险费 2026年10月',
    ...overrides,
  };
}

/** Contribution base 327,159.94 for all; employer and employee parts add up to the amounts above. */
export const PAYMENT_ROWS = [
  { insuranceType: 'pension', name: '企业职工基本养老保险费', base: 32715994, employer: 3489706, employee: 1744861, serial: 'ZJ5201202610000001' },
  { insuranceType: 'medical', name: '职工基本医疗保险费', base: 32715994, employer: 1721366, employee: 624312, serial: 'ZJ5201202610000002' },
  { insuranceType: 'unemployment', name: '失业保险费', base: 32715994, employer: 61728, employee: 61728, serial: 'ZJ5201202610000003' },
  { insuranceType: 'work_injury', name: '工伤保险费', base: 32715994, employer: 98765, employee: 0, serial: 'ZJ5201202610000004' },
  { insuranceType: 'maternity', name: '生育保险费', base: 32715994, employer: 605458, employee: 0, serial: 'ZJ5201202610000005' },
] as const;

export function paymentCertificate(overrides: Partial<PaymentCertificateDocument> = {}): PaymentCertificateDocument {
  return {
    certificateNumber: 'JFZM2026110001',
    unitNumber: '52010000123',
    unitName: TAXPAYER_NAME,
    taxpayerId: TAXPAYER_ID,
    periodStart: '2026-10',
    periodEnd: '2026-10',
    rows: PAYMENT_ROWS.map((r) => ({
      insuranceType: r.insuranceType,
      period: '2026-10',
      baseFen: r.base,
      employerFen: r.employer,
      employeeFen: r.employee,
      dueFen: r.employer + r.employee,
      paidFen: r.employer + r.employee,
      collectionSerial: r.serial,
    })),
    issueDate: '2026-11-20',
    issuedBy: TAX_OFFICE,
    ...overrides,
  };
}
