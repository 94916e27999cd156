// Certificates end to end (社会保险费缴费证明 F-6, 税收完税证明 F-7): API → Temporal workflow →
// our records and the mock bureau → PDF in Chromium → file, row and audit entry.
import { createHash } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, declarationLines, paymentAttempts } from '../../src/db/schema';
import { INSURANCE_NAMES, type InsuranceType } from '../../src/domain/fee-items';
import { formatYuanGrouped, toChineseCapitals } from '../../src/domain/money';
import { chinaDay } from '../../src/domain/china-time';
import { declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { startStack, type Stack } from '../support/stack';
import { cells, lineWith, pdfText } from '../render/pdf-text';

const PERIOD = '2026-10';
/** The office's clerk printed as 填票人 on tax certificates. */
const ISSUER = '贵阳财税代理 王芳';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, config: { certificateIssuer: ISSUER, payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

/** A print as the typed client answers it: the PDF's bytes, or the problem. */
type Print = { data?: ArrayBuffer; error?: unknown; response: Response };

const printPayment = (id: string, period: string): Promise<Print> =>
  stack.client.POST('/api/employers/{id}/certificates/payment', { params: { path: { id } }, body: { period }, parseAs: 'arrayBuffer' });
const printTax = (id: string, period: string): Promise<Print> =>
  stack.client.POST('/api/employers/{id}/certificates/tax', { params: { path: { id } }, body: { period }, parseAs: 'arrayBuffer' });
const reprintTax = (id: string, issueDate: string, period?: string): Promise<Print> =>
  stack.client.POST('/api/employers/{id}/certificates/tax/reprint', { params: { path: { id } }, body: { issueDate, ...(period ? { period } : {}) }, parseAs: 'arrayBuffer' });
const pdfFile = (id: string): Promise<Print> => stack.client.GET('/api/certificates/{id}/pdf', { params: { path: { id } }, parseAs: 'arrayBuffer' });

async function certificatesOf(employerId: string) {
  const { data, error, response } = await stack.client.GET('/api/employers/{id}/certificates', { params: { path: { id: employerId } } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!.certificates;
}

/** Pays these lines by three-party agreement and waits until the payment is paid. */
async function paid(employerId: string, lineIds: string[], agreementId: string | undefined): Promise<string> {
  const res = await payThreeParty(stack, employerId, { lineIds, agreementId });
  expect(res.response.status, JSON.stringify(res.error)).toBe(202);
  const id = res.data!.id;
  const status = () => stack.client.GET('/api/payments/{id}', { params: { path: { id } } }).then((r) => r.data?.status);
  expect(await eventually(status, (s) => s === 'paid')).toBe('paid');
  return id;
}

function expectProblem(res: Print, code: string) {
  expect(res.response.status, JSON.stringify(res.error)).toBe(409);
  expect(res.response.headers.get('content-type')).toContain('application/problem+json');
  expect((res.error as { code: string }).code).toBe(code);
}

async function pdfOf(res: Print): Promise<string> {
  expect(res.response.status, JSON.stringify(res.error)).toBe(200);
  expect(res.response.headers.get('content-type')).toContain('application/pdf');
  const pdf = Buffer.from(res.data!);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  return pdfText(pdf);
}

const chinaToday = () => chinaDay(new Date());
const yuan = (fen: number) => formatYuanGrouped(fen);
const flat = (text: string) => text.replace(/\s+/g, '');

describe('eligibility (F-6, F-7)', () => {
  it('refuses what may not be printed: nothing paid, not all paid, never printed', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 601);
    expectProblem(await printPayment(employer.id, PERIOD), 'NOTHING_PAID');
    expectProblem(await printTax(employer.id, PERIOD), 'NOT_PAID');
    expectProblem(await reprintTax(employer.id, chinaToday()), 'NEVER_PRINTED');

    // One of the two lines paid: a payment certificate of what was paid, still no tax certificate.
    await paid(employer.id, [payables[0]!.lineId], agreementId);
    const text = await pdfOf(await printPayment(employer.id, PERIOD));
    expect(text).toContain('社会保险费缴费证明');
    expectProblem(await printTax(employer.id, PERIOD), 'NOT_PAID');
    expectProblem(await reprintTax(employer.id, chinaToday()), 'NEVER_PRINTED');

    const list = await certificatesOf(employer.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'payment', period: PERIOD, certificateNumber: null, reprint: false });
  });

  it('validates the request body', async () => {
    const { employer } = await declaredEmployer(stack, 602);
    expect((await printTax(employer.id, '2026-13')).response.status).toBe(400);
    expect((await reprintTax(employer.id, 'yesterday')).response.status).toBe(400);
  });
});

describe('a fully paid period', () => {
  it('prints the payment certificate, the tax certificate once, and reprints it (补打)', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 603);
    const paymentId = await paid(employer.id, payables.map((p) => p.lineId), agreementId);
    const db = stack.database.db;
    const lines = await db.select().from(declarationLines).where(inArray(declarationLines.id, payables.map((p) => p.lineId)));
    expect(lines).toHaveLength(2);
    const [attempt] = await db.select().from(paymentAttempts).where(eq(paymentAttempts.paymentId, paymentId));
    expect(attempt?.outcome).toBe('succeeded');
    const total = lines.reduce((s, l) => s + l.amountFen, 0);
    const known = await stack.bureau.getEmployer(employer.taxpayerId);
    const today = chinaToday();

    // F-6: the payment certificate.
    const paymentText = await pdfOf(await printPayment(employer.id, PERIOD));
    expect(lineWith(paymentText, '证明编号')).toContain(`开具日期：${today}`);
    expect(cells(lineWith(paymentText, '单位编号'))).toEqual(['单位编号', employer.unitNumber, '单位名称', known.name]);
    expect(lineWith(paymentText, '纳税人识别号')).toMatch(new RegExp(`费款所属期\\s+${PERIOD} 至 ${PERIOD}\\s+纳税人识别号\\s+${employer.taxpayerId}`));
    for (const [i, l] of [...lines].sort((a, b) => (a.itemId < b.itemId ? -1 : 1)).entries()) {
      const name = INSURANCE_NAMES[l.insuranceType as InsuranceType];
      expect(cells(lineWith(paymentText, name))).toEqual([
        String(i + 1), name, PERIOD, yuan(l.baseFen), yuan(l.employerFen), yuan(l.employeeFen), yuan(l.amountFen), yuan(l.amountFen), '税务征收', l.collectionOrder,
      ]);
    }
    expect(lineWith(paymentText, '（大写）').trim()).toBe(`实缴金额合计（大写）：${toChineseCapitals(total)}`);
    const totals = paymentText.split('\n').filter((l) => l.startsWith('合计'));
    expect(totals.map(cells)).toEqual([['合计', yuan(lines.reduce((s, l) => s + l.employerFen, 0)), yuan(lines.reduce((s, l) => s + l.employeeFen, 0)), yuan(total), yuan(total)]]);
    expect(paymentText).not.toContain('补打');

    // F-7.1: the tax certificate, numbered by the bureau.
    const taxRes = await printTax(employer.id, PERIOD);
    const taxText = await pdfOf(taxRes);
    const taxId = taxRes.response.headers.get('x-certificate-id')!;
    const list1 = await certificatesOf(employer.id);
    const first = list1.find((c) => c.id === taxId)!;
    expect(first).toMatchObject({ kind: 'tax', period: PERIOD, issueDate: today, reprint: false, reprintOf: null });
    expect(first.certificateNumber).toMatch(/^\d{16}$/);
    const issued = await stack.bureau.issueCertificate({ key: taxId, taxpayerId: employer.taxpayerId, period: PERIOD }); // idempotent: the same one
    expect(issued.certificateNumber).toBe(first.certificateNumber);
    expect(lineWith(taxText, 'No.').trim()).toBe(`No. ${first.certificateNumber}`);
    expect(lineWith(taxText, '填发日期')).toContain(`填发日期：${today}`);
    expect(lineWith(taxText, '填发日期')).toContain(`税务机关：${known.taxOfficeName}`);
    expect(cells(lineWith(taxText, '纳税人识别号'))).toEqual(['纳税人识别号', employer.taxpayerId, '纳税人名称', known.name]);
    for (const l of lines) {
      const name = INSURANCE_NAMES[l.insuranceType as InsuranceType];
      const bureauLine = issued.lines.find((b) => b.itemId === l.itemId)!;
      expect(bureauLine.originalVoucher).toBe(attempt!.deductionKey);
      expect(cells(lineWith(taxText, name))).toEqual([attempt!.deductionKey, name, name, '2026-10-01至2026-10-31', today, yuan(l.amountFen)]);
    }
    expect(cells(lineWith(taxText, '金额合计'))).toEqual(['金额合计', `（大写）${toChineseCapitals(total)}`, `¥${yuan(total)}`]);
    // The issuer is the office's configured clerk (CERTIFICATE_ISSUER), never the name of the key that printed it.
    expect(lineWith(taxText, '填票人')).toContain(`填票人：${ISSUER}`);
    expect(taxText).not.toContain('olivia');
    expect(taxText).not.toContain('补打');

    // Only once (F-7.1).
    expectProblem(await printTax(employer.id, PERIOD), 'ALREADY_PRINTED');
    expectProblem(await reprintTax(employer.id, '2020-01-01'), 'NEVER_PRINTED');

    // F-7.2: the reprint carries the same number and content, marked 补打.
    const reprintRes = await reprintTax(employer.id, today);
    const reprintText = await pdfOf(reprintRes);
    expect(lineWith(reprintText, '补打').trim()).toBe('补打 REPRINT');
    expect(lineWith(reprintText, 'No.').trim()).toBe(`No. ${first.certificateNumber}`);
    const strip = (t: string) => flat(t).replace('补打REPRINT', '');
    expect(strip(reprintText)).toBe(strip(taxText));

    // The list shows all three, each file served as stored.
    const list = await certificatesOf(employer.id);
    expect(list).toHaveLength(3);
    const reprint = list.find((c) => c.reprint)!;
    expect(reprint).toMatchObject({ kind: 'tax', certificateNumber: first.certificateNumber, issueDate: today, reprintOf: taxId });
    expect(list.map((c) => c.kind).sort()).toEqual(['payment', 'tax', 'tax']);
    for (const c of list) {
      expect(c.pdf).toBe(`/api/certificates/${c.id}/pdf`);
      const file = await pdfFile(c.id);
      expect(file.response.status).toBe(200);
      expect(file.response.headers.get('content-type')).toContain('application/pdf');
      expect(file.response.headers.get('etag')).toBe(`"${c.pdfSha256}"`);
      expect(createHash('sha256').update(Buffer.from(file.data!)).digest('hex')).toBe(c.pdfSha256);
    }
    expect((await pdfFile('nope')).response.status).toBe(404);

    // Each print is audited.
    const audits = await db.select().from(auditLog).where(inArray(auditLog.subject, list.map((c) => c.id)));
    expect(audits.map((a) => a.action).sort()).toEqual(['certificate.payment.printed', 'certificate.tax.printed', 'certificate.tax.reprinted']);
    for (const a of audits) {
      expect(a.actor).toBe('olivia');
      expect(a.detail).toMatchObject({ employerId: employer.id, period: PERIOD, sha256: list.find((c) => c.id === a.subject)!.pdfSha256 });
    }
  });
});
