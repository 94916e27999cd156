// Bank-side vouchers (银行端查询缴费凭证, F-4.6, F-4.8) end to end: API → Temporal workflow →
// mock bureau → PDF in Chromium → database; paid at the counter, voided, expired, printed again.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { formatYuanGrouped, toChineseCapitals } from '../../src/domain/money';
import { voucherStateQuery } from '../../src/contracts/payment';
import type { SifeeClient } from '../../client';
import { declaredEmployer as declaredEmployerOf, payByVoucher } from '../support/flows';
import { startStack, type Stack } from '../support/stack';
import { lineWith, pdfText } from '../render/pdf-text';
import { historyText } from '../support/history';

const WRONG_PASSWORD_MESSAGE = '申报密码验证失败：[20101]您输入的申报密码有误，请重新输入。';
let stack: Stack;
let auditor: SifeeClient;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, config: { payment: { ...loadConfig({}).payment, counterPollSeconds: 1 } } });
  auditor = stack.clientAs('auditor');
});
afterAll(async () => {
  await stack?.close();
});

/** Polls by performance.now(): one test moves Date past a voucher's deadline. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || performance.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const payablesOf = async (id: string) => (await stack.client.GET('/api/employers/{id}/payables', { params: { path: { id } } })).data!.payables;
const payment = async (id: string) => (await stack.client.GET('/api/payments/{id}', { params: { path: { id } } })).data!;
const voidOf = (id: string) => stack.client.POST('/api/vouchers/{id}/void', { params: { path: { id } } });
const reprintOf = (id: string) => stack.client.POST('/api/vouchers/{id}/reprint', { params: { path: { id } } });
const pdfFile = (id: string, client = stack.client) => client.GET('/api/vouchers/{id}/pdf', { params: { path: { id } }, parseAs: 'arrayBuffer' });
// The declaration route's answer is typed by its own conversion: read here as the test needs it.
const declaration = async (id: string) =>
  (await stack.client.GET('/api/declarations/{id}', { params: { path: { id } } })).data as unknown as { paymentStatus: string; items: { amountFen: number; paidFen: number }[] };

/** A signed-in employer whose period's five regular items are all declared and accepted: its payables. */
async function declaredEmployer(n: number) {
  const { employer, declarationId } = await declaredEmployerOf(stack, n, {}, 5);
  const payables = await payablesOf(employer.id);
  expect(payables.length).toBeGreaterThanOrEqual(3);
  return { employer, declarationId, payables };
}

/** Pays by voucher and waits until the voucher is issued and printed. */
async function issuedVoucher(employerId: string, lineIds: string[], more: Parameters<typeof payByVoucher>[3] = {}) {
  const res = await payByVoucher(stack, employerId, lineIds, more);
  expect(res.response.status, JSON.stringify(res.error)).toBe(202);
  expect(res.data).toMatchObject({ method: 'bank_voucher', status: 'voucher_issued' });
  const p = await eventually(() => payment(res.data!.id), (p) => Boolean(p.voucher?.pdf || p.voucher?.lastPrintError));
  expect(p.voucher, JSON.stringify(p)).toMatchObject({ status: 'issued', lastPrintError: null });
  expect(p.voucher!.pdf).toBe(`/api/vouchers/${p.voucher!.id}/pdf`);
  return { paymentId: res.data!.id, voucher: p.voucher!, created: res };
}

const finished = (paymentId: string, timeoutMs = 30_000) => eventually(() => payment(paymentId), (p) => p.status !== 'voucher_issued', timeoutMs);

async function printRecords(employerId: string) {
  const res = await auditor.GET('/api/employers/{id}/vouchers', { params: { path: { id: employerId } } });
  expect(res.response.status, JSON.stringify(res.error)).toBe(200);
  return res.data!.vouchers;
}

async function pdfOf(voucherId: string): Promise<string> {
  const res = await pdfFile(voucherId, auditor);
  expect(res.response.status, JSON.stringify(res.error)).toBe(200);
  expect(res.response.headers.get('content-type')).toContain('application/pdf');
  const pdf = Buffer.from(res.data!);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  return pdfText(pdf);
}

describe('bank-side voucher (F-4.6)', () => {
  it('is paid at the bank counter: payment paid, declaration paid, nothing left to pay', async () => {
    const { employer, declarationId, payables } = await declaredEmployer(1);
    const { paymentId, voucher } = await issuedVoucher(employer.id, payables.map((p) => p.lineId));
    // While it waits at the bank, its lines are held: they cannot be paid a second time.
    expect(await payablesOf(employer.id)).toEqual([]);

    await stack.admin(`/admin/vouchers/${voucher.voucherNumber}/pay`, {});
    const paid = await finished(paymentId);
    expect(paid.status).toBe('paid');
    expect(paid.voucher!.status).toBe('paid');
    const declared = await declaration(declarationId);
    expect(declared.paymentStatus).toBe('paid');
    expect(declared.items.every((i) => i.paidFen === i.amountFen)).toBe(true);
    expect(await payablesOf(employer.id)).toEqual([]);

    const [record] = await printRecords(employer.id);
    expect(record).toMatchObject({ id: voucher.id, paymentId, voucherNumber: voucher.voucherNumber, status: 'paid', printCount: 1, lastPrintError: null });
    expect(record!.amountFen).toBe(payables.reduce((s, p) => s + p.dueFen, 0));
    expect(record!.paidAt).toEqual(expect.any(String));
    // One counter payment at the bureau, under the payment's id as its key.
    const ledger = (await stack.admin('/admin/ledger')).entries as { key: string; kind: string; voucherNumber?: string }[];
    expect(ledger.filter((e) => e.key === paymentId)).toMatchObject([{ kind: 'counter_payment', voucherNumber: voucher.voucherNumber }]);

    // A paid voucher can be neither voided nor printed again.
    const voided = await voidOf(voucher.id);
    expect(voided.response.status).toBe(409);
    expect(voided.error?.code).toBe('VOUCHER_NOT_VOIDABLE');
    const reprinted = await reprintOf(voucher.id);
    expect(reprinted.response.status).toBe(409);
    expect(reprinted.error?.code).toBe('VOUCHER_NOT_ISSUED');
  });

  it('paying some lines of a declaration makes it partially paid; the others stay payable', async () => {
    const { employer, declarationId, payables } = await declaredEmployer(2);
    const [first, second, ...rest] = payables;
    const { paymentId, voucher } = await issuedVoucher(employer.id, [first!.lineId, second!.lineId]);
    expect((await payablesOf(employer.id)).map((p) => p.lineId)).toEqual(rest.map((p) => p.lineId));
    await stack.admin(`/admin/vouchers/${voucher.voucherNumber}/pay`, {});
    expect((await finished(paymentId)).status).toBe('paid');
    expect((await declaration(declarationId)).paymentStatus).toBe('partially_paid');
    expect((await payablesOf(employer.id)).map((p) => p.lineId)).toEqual(rest.map((p) => p.lineId));
  });

  it('refuses a wrong declaration password with the exact 20101 message and creates nothing (F-4.3)', async () => {
    const { employer, payables } = await declaredEmployer(3);
    const res = await payByVoucher(stack, employer.id, payables.map((p) => p.lineId), { password: 'Wrong2026x' });
    expect(res.response.status).toBe(422);
    expect(res.response.headers.get('content-type')).toContain('application/problem+json');
    expect(res.error).toMatchObject({ code: 'PASSWORD_INVALID', bureauCode: '20101', detail: WRONG_PASSWORD_MESSAGE });
    expect((await stack.client.GET('/api/payments', { params: { query: { employerId: employer.id } } })).data!.payments).toEqual([]);
    expect(await printRecords(employer.id)).toEqual([]);
    expect(await payablesOf(employer.id)).toHaveLength(payables.length);
    const bureauState = await stack.admin('/admin/state');
    const atBureau = Object.values(bureauState.vouchers as Record<string, { request: { taxpayerId: string } }>).filter((v) => v.request.taxpayerId === employer.taxpayerId);
    expect(atBureau).toEqual([]);
  });
});

describe('voiding a voucher (作废, F-4.8)', () => {
  it('voids an unpaid voucher at the bureau, frees its lines, and refuses a second void', async () => {
    const { employer, declarationId, payables } = await declaredEmployer(4);
    const lineIds = payables.map((p) => p.lineId);
    const { paymentId, voucher } = await issuedVoucher(employer.id, lineIds);

    const auditorTry = await auditor.POST('/api/vouchers/{id}/void', { params: { path: { id: voucher.id } } });
    expect(auditorTry.response.status).toBe(403);

    const res = await voidOf(voucher.id);
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    expect(res.data).toMatchObject({ id: voucher.id, voucherNumber: voucher.voucherNumber, status: 'voided' });
    const p = await payment(paymentId);
    expect(p.status).toBe('voucher_voided');
    expect(p.reason).toContain('olivia');
    expect((await stack.bureau.getVoucher(voucher.voucherNumber)).state).toBe('voided');
    expect((await payablesOf(employer.id)).map((l) => l.lineId)).toEqual(lineIds);
    expect((await declaration(declarationId)).paymentStatus).toBe('unpaid');

    const again = await voidOf(voucher.id);
    expect(again.response.status).toBe(409);
    expect(again.response.headers.get('content-type')).toContain('application/problem+json');
    expect(again.error).toMatchObject({ status: 409, code: 'VOUCHER_NOT_VOIDABLE' });
    expect((await printRecords(employer.id))[0]).toMatchObject({ status: 'voided' });

    // The freed lines can go on a new voucher, which the counter pays.
    const second = await issuedVoucher(employer.id, lineIds);
    expect(second.voucher.voucherNumber).not.toBe(voucher.voucherNumber);
    await stack.admin(`/admin/vouchers/${second.voucher.voucherNumber}/pay`, {});
    expect((await finished(second.paymentId)).status).toBe('paid');
    expect((await declaration(declarationId)).paymentStatus).toBe('paid');
    expect((await printRecords(employer.id)).map((v) => v.status)).toEqual(['paid', 'voided']);
  });

  it('answers 404 for an unknown voucher', async () => {
    const pdf = await pdfFile('Vnope');
    expect(pdf.response.status).toBe(404);
    expect(pdf.error?.code).toBe('NOT_FOUND');
    for (const act of [voidOf, reprintOf]) {
      const res = await act('Vnope');
      expect(res.response.status).toBe(404);
    }
  });
});

describe('an expired voucher (限缴日期)', () => {
  it('ends voucher_expired after its deadline, and its lines can be paid again', async () => {
    const { employer, declarationId, payables } = await declaredEmployer(5);
    const lineIds = payables.map((p) => p.lineId);
    const { paymentId, voucher } = await issuedVoucher(employer.id, lineIds);
    // The bureau's shortest deadline is tomorrow (voucherDeadlineDays ≥ 1): move this process's
    // clock, which the in-process bureau reads, past the deadline day. Workflow time is the
    // Temporal server's, so the workflow learns of it from the bureau, as in production.
    const afterDeadline = Date.parse(`${voucher.deadline}T00:00:00+08:00`) + 36 * 3600_000;
    vi.useFakeTimers({ toFake: ['Date'], now: afterDeadline, shouldAdvanceTime: true });
    let ended: Awaited<ReturnType<typeof payment>>;
    let atBureau: string;
    try {
      ended = await finished(paymentId, 20_000);
      atBureau = (await stack.bureau.getVoucher(voucher.voucherNumber)).state;
    } finally {
      vi.useRealTimers();
    }
    expect(ended.status).toBe('voucher_expired');
    expect(ended.reason).toContain(voucher.deadline);
    expect(ended.voucher!.status).toBe('expired');
    expect(atBureau).toBe('expired');
    expect((await payablesOf(employer.id)).map((l) => l.lineId)).toEqual(lineIds);
    expect((await declaration(declarationId)).paymentStatus).toBe('unpaid');
    const voided = await voidOf(voucher.id);
    expect(voided.response.status).toBe(409);
    expect(voided.error?.code).toBe('VOUCHER_NOT_VOIDABLE');
  });
});

describe('the voucher PDF and printing again (F-4.6, F-4.8)', () => {
  it('records a failed print and prints it again from the print records (F-4.8)', async () => {
    const { employer, payables } = await declaredEmployer(7);
    const original = stack.renderer.voucher;
    stack.renderer.voucher = () => Promise.reject(new Error('printer jam (simulated)'));
    let paymentId: string;
    let failed: Awaited<ReturnType<typeof payment>>;
    try {
      const res = await payByVoucher(stack, employer.id, payables.map((p) => p.lineId));
      expect(res.response.status, JSON.stringify(res.error)).toBe(202);
      paymentId = res.data!.id;
      // Three tries (2 s, then 4 s apart), then the error is recorded and the voucher still waits.
      failed = await eventually(() => payment(paymentId), (p) => Boolean(p.voucher?.lastPrintError), 30_000);
    } finally {
      stack.renderer.voucher = original;
    }
    expect(failed.status).toBe('voucher_issued');
    expect(failed.voucher).toMatchObject({ status: 'issued', pdf: null, lastPrintError: expect.stringContaining('printer jam') });
    const [record] = await printRecords(employer.id);
    expect(record).toMatchObject({ printCount: 0, pdf: null, lastPrintError: expect.stringContaining('printer jam') });
    const noFile = await pdfFile(record!.id);
    expect(noFile.response.status).toBe(404);
    expect(noFile.error?.code).toBe('VOUCHER_NOT_PRINTED');

    const again = await reprintOf(record!.id);
    expect(again.response.status, JSON.stringify(again.error)).toBe(200);
    expect(again.data).toMatchObject({ printed: true, printCount: 1, lastPrintError: null, pdf: `/api/vouchers/${record!.id}/pdf` });
    // Its first printed copy: no reprint mark.
    const text = await pdfOf(record!.id);
    expect(text).toContain(`凭证序号：${record!.voucherNumber}`);
    expect(text).not.toContain('补打');
    expect((await voidOf(record!.id)).response.status).toBe(200);
  });

  it('prints every field with the masked account only, and 补打 gives the same voucher marked as a reprint', async () => {
    const { employer, payables } = await declaredEmployer(6);
    const name = '贵阳测试6科技有限公司';
    const accountNumber = '6217002870019876543';
    const account = { bankName: '中国建设银行贵阳中华北路支行', accountName: name, accountNumber };
    const chosen = payables.slice(0, 3);
    const total = chosen.reduce((s, p) => s + p.dueFen, 0);
    const { paymentId, voucher, created } = await issuedVoucher(
      employer.id,
      chosen.map((p) => p.lineId),
      { account },
    );

    const text = await pdfOf(voucher.id);
    expect(text).toContain(`凭证序号：${voucher.voucherNumber}`);
    expect(lineWith(text, '纳税人识别号')).toContain(employer.taxpayerId);
    expect(lineWith(text, '纳税人名称')).toContain(name);
    expect(lineWith(text, '缴款人名称')).toContain(name);
    expect(lineWith(text, '开户银行')).toContain(account.bankName);
    expect(lineWith(text, '缴款账号')).toMatch(/缴款账号\s+\*{4} 6543\s+限缴日期\s+\d{4}-\d{2}-\d{2}/);
    expect(lineWith(text, '缴款账号')).toContain(voucher.deadline);
    for (const line of chosen) expect(lineWith(text, line.insuranceName)).toContain(line.period);
    expect(lineWith(text, '金额合计（小写）')).toContain(`¥${formatYuanGrouped(total)}`);
    expect(text.replace(/\s+/g, '')).toContain(toChineseCapitals(total));
    expect(text).not.toContain('补打');
    expect(text.replace(/\s+/g, '')).not.toContain(accountNumber);

    const records = await printRecords(employer.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      id: voucher.id,
      voucherNumber: voucher.voucherNumber,
      status: 'issued',
      amountFen: total,
      deadline: voucher.deadline,
      bankName: account.bankName,
      accountName: name,
      account: '**** 6543',
      printCount: 1,
      lastPrintError: null,
      pdf: `/api/vouchers/${voucher.id}/pdf`,
    });
    expect(records[0]!.pdfSha256).toMatch(/^[0-9a-f]{64}$/);

    // 补打: the same voucher number, with the reprint mark; the count goes up.
    const reprint = await reprintOf(voucher.id);
    expect(reprint.response.status, JSON.stringify(reprint.error)).toBe(200);
    expect(reprint.data).toMatchObject({ id: voucher.id, voucherNumber: voucher.voucherNumber, printed: true, printCount: 2, status: 'issued' });
    expect(reprint.data!.pdfSha256).not.toBe(records[0]!.pdfSha256);
    const again = await pdfOf(voucher.id);
    expect(again).toContain(`凭证序号：${voucher.voucherNumber}`);
    expect(again).toContain('补打');
    expect(again.replace(/\s+/g, '')).toContain(toChineseCapitals(total));

    // The full account number is nowhere: not in the API's answers, not in the database, not in
    // the workflow's history (payloads are encrypted).
    const answers = [JSON.stringify(created.data), JSON.stringify(reprint.data), JSON.stringify(await payment(paymentId)), JSON.stringify(await printRecords(employer.id))];
    for (const body of answers) expect(body).not.toContain(accountNumber);
    expect(JSON.stringify(await payment(paymentId))).toContain('**** 6543');
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', stack.config.databaseUrl!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain(voucher.voucherNumber);
    expect(dump).not.toContain(accountNumber);
    const history = historyText(await stack.temporal.workflow.getHandle(`payment-${paymentId}`).fetchHistory());
    expect(history).toContain('binary/encrypted');
    expect(history).not.toContain(accountNumber);
    const state = await stack.temporal.workflow.getHandle(`payment-${paymentId}`).query(voucherStateQuery);
    expect(state).toMatchObject({ status: 'issued', voucherNumber: voucher.voucherNumber, printCount: 2 });

    // Void it so the workflow ends.
    expect((await voidOf(voucher.id)).response.status).toBe(200);
  });
});
