// Certificates end to end (社会保险费缴费证明 F-6, 税收完税证明 F-7): API → Temporal workflow →
// our records and the mock bureau → PDF in Chromium → file, row and audit entry.
import { createHash } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, declarationLines, paymentAttempts } from '../../src/db/schema';
import { INSURANCE_NAMES, type InsuranceType } from '../../src/domain/fee-items';
import { formatYuanGrouped, toChineseCapitals } from '../../src/domain/money';
import { chinaToday } from '../../src/api/routes/common';
import { api, declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { startStack, type Stack } from '../support/stack';
import { cells, lineWith, pdfText } from '../render/pdf-text';

const PERIOD = '2026-10';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

const post = (url: string, payload?: Record<string, unknown>) => api(stack).post(url, payload);
const get = (url: string) => api(stack).get(url);

/** Pays these lines by three-party agreement and waits until the payment is paid. */
async function paid(employerId: string, lineIds: string[], agreementId: string | undefined): Promise<string> {
  const res = await payThreeParty(stack, employerId, { lineIds, agreementId });
  expect(res.response.status, JSON.stringify(res.error)).toBe(202);
  const id = res.data!.id;
  const p = await eventually(() => get(`/api/payments/${id}`).then((r) => r.json()), (p) => p.status === 'paid');
  expect(p.status).toBe('paid');
  return id;
}

function expectProblem(res: Awaited<ReturnType<typeof post>>, code: string) {
  expect(res.statusCode, res.body).toBe(409);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json().code).toBe(code);
}

async function pdfOf(res: Awaited<ReturnType<typeof post>>): Promise<string> {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toContain('application/pdf');
  expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  return pdfText(res.rawPayload);
}

const yuan = (fen: number) => formatYuanGrouped(fen);
const flat = (text: string) => text.replace(/\s+/g, '');

describe('eligibility (F-6, F-7)', () => {
  it('refuses what may not be printed: nothing paid, not all paid, never printed', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 601);
    expectProblem(await post(`/api/employers/${employer.id}/certificates/payment`, { period: PERIOD }), 'NOTHING_PAID');
    expectProblem(await post(`/api/employers/${employer.id}/certificates/tax`, { period: PERIOD }), 'NOT_PAID');
    expectProblem(await post(`/api/employers/${employer.id}/certificates/tax/reprint`, { issueDate: chinaToday() }), 'NEVER_PRINTED');

    // One of the two lines paid: a payment certificate of what was paid, still no tax certificate.
    await paid(employer.id, [payables[0]!.lineId], agreementId);
    const text = await pdfOf(await post(`/api/employers/${employer.id}/certificates/payment`, { period: PERIOD }));
    expect(text).toContain('社会保险费缴费证明');
    expectProblem(await post(`/api/employers/${employer.id}/certificates/tax`, { period: PERIOD }), 'NOT_PAID');
    expectProblem(await post(`/api/employers/${employer.id}/certificates/tax/reprint`, { issueDate: chinaToday() }), 'NEVER_PRINTED');

    const list = (await get(`/api/employers/${employer.id}/certificates`)).json().certificates;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'payment', period: PERIOD, certificateNumber: null, reprint: false });
  });

  it('validates the request body', async () => {
    const { employer } = await declaredEmployer(stack, 602);
    expect((await post(`/api/employers/${employer.id}/certificates/tax`, { period: '2026-13' })).statusCode).toBe(400);
    expect((await post(`/api/employers/${employer.id}/certificates/tax/reprint`, { issueDate: 'yesterday' })).statusCode).toBe(400);
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
    const paymentText = await pdfOf(await post(`/api/employers/${employer.id}/certificates/payment`, { period: PERIOD }));
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
    const taxRes = await post(`/api/employers/${employer.id}/certificates/tax`, { period: PERIOD });
    const taxText = await pdfOf(taxRes);
    const taxId = taxRes.headers['x-certificate-id'] as string;
    const list1 = (await get(`/api/employers/${employer.id}/certificates`)).json().certificates as Record<string, any>[];
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
    expect(lineWith(taxText, '填票人')).toContain('填票人：olivia');
    expect(taxText).not.toContain('补打');

    // Only once (F-7.1).
    expectProblem(await post(`/api/employers/${employer.id}/certificates/tax`, { period: PERIOD }), 'ALREADY_PRINTED');
    expectProblem(await post(`/api/employers/${employer.id}/certificates/tax/reprint`, { issueDate: '2020-01-01' }), 'NEVER_PRINTED');

    // F-7.2: the reprint carries the same number and content, marked 补打.
    const reprintRes = await post(`/api/employers/${employer.id}/certificates/tax/reprint`, { issueDate: today });
    const reprintText = await pdfOf(reprintRes);
    expect(lineWith(reprintText, '补打').trim()).toBe('补打 REPRINT');
    expect(lineWith(reprintText, 'No.').trim()).toBe(`No. ${first.certificateNumber}`);
    const strip = (t: string) => flat(t).replace('补打REPRINT', '');
    expect(strip(reprintText)).toBe(strip(taxText));

    // The list shows all three, each file served as stored.
    const list = (await get(`/api/employers/${employer.id}/certificates`)).json().certificates as Record<string, any>[];
    expect(list).toHaveLength(3);
    const reprint = list.find((c) => c.reprint)!;
    expect(reprint).toMatchObject({ kind: 'tax', certificateNumber: first.certificateNumber, issueDate: today, reprintOf: taxId });
    expect(list.map((c) => c.kind).sort()).toEqual(['payment', 'tax', 'tax']);
    for (const c of list) {
      expect(c.pdf).toBe(`/api/certificates/${c.id}/pdf`);
      const file = await get(c.pdf);
      expect(file.statusCode).toBe(200);
      expect(file.headers['content-type']).toContain('application/pdf');
      expect(file.headers.etag).toBe(`"${c.pdfSha256}"`);
      expect(createHash('sha256').update(file.rawPayload).digest('hex')).toBe(c.pdfSha256);
    }
    expect((await get('/api/certificates/nope/pdf')).statusCode).toBe(404);

    // Each print is audited.
    const audits = await db.select().from(auditLog).where(inArray(auditLog.subject, list.map((c) => c.id)));
    expect(audits.map((a) => a.action).sort()).toEqual(['certificate.payment.printed', 'certificate.tax.printed', 'certificate.tax.reprinted']);
    for (const a of audits) {
      expect(a.actor).toBe('olivia');
      expect(a.detail).toMatchObject({ employerId: employer.id, period: PERIOD, sha256: list.find((c) => c.id === a.subject)!.pdfSha256 });
    }
  });
});
