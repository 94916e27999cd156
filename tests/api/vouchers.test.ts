// Bank-side vouchers (银行端查询缴费凭证, F-4.6, F-4.8) end to end: API → Temporal workflow →
// mock bureau → PDF in Chromium → database; paid at the counter, voided, expired, printed again.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { formatYuanGrouped, toChineseCapitals } from '../../src/domain/money';
import { voucherStateQuery } from '../../src/workflows/messages';
import { addSignedInEmployer, NEW_PASSWORD } from '../support/employers';
import { auth, startStack, type Stack } from '../support/stack';
import { lineWith, pdfText } from '../render/pdf-text';
import { historyText } from '../support/history';

const PERIOD = '2026-10';
const WRONG_PASSWORD_MESSAGE = '申报密码验证失败：[20101]您输入的申报密码有误，请重新输入。';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, config: { payment: { ...loadConfig({}).payment, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

interface Payable {
  lineId: string;
  declarationId: string;
  itemId: string;
  insuranceType: string;
  insuranceName: string;
  period: string;
  dueFen: number;
}

const get = (url: string, role: 'operator' | 'auditor' = 'operator') => stack.app.inject({ method: 'GET', url, headers: auth(role) });
const post = (url: string, payload: Record<string, unknown> = {}) => stack.app.inject({ method: 'POST', url, headers: auth(), payload });

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || performance.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A signed-in employer whose period's items are all declared and accepted: its payables. */
async function declaredEmployer(n: number): Promise<{ employer: { id: string; taxpayerId: string }; declarationId: string; payables: Payable[] }> {
  const employer = await addSignedInEmployer(stack, n, [PERIOD]);
  const items = (await get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
  const declared = await post(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds: items.map((i) => i.itemId), headcountConfirmed: true });
  expect(declared.statusCode, declared.body).toBe(202);
  const declarationId = declared.json().id as string;
  // The bureau decides 100 ms after it receives the declaration; fetch the result until it has.
  const decided = await eventually(
    () => post(`/api/declarations/${declarationId}/fetch-result`).then((r) => r.json()),
    (d) => d.status !== 'submitted',
    15_000,
  );
  expect(decided.status).toBe('accepted');
  const payables = (await get(`/api/employers/${employer.id}/payables`)).json().payables as Payable[];
  expect(payables.length).toBeGreaterThanOrEqual(3);
  return { employer, declarationId, payables };
}

function payByVoucher(employerId: string, lineIds: string[], extra: Record<string, unknown> = {}) {
  return post(`/api/employers/${employerId}/payments`, { lineIds, amountConfirmed: true, password: NEW_PASSWORD, method: 'bank_voucher', ...extra });
}

const payment = (id: string) => get(`/api/payments/${id}`).then((r) => r.json());

/** Pays by voucher and waits until the voucher is issued and printed. */
async function issuedVoucher(employerId: string, lineIds: string[], extra: Record<string, unknown> = {}) {
  const res = await payByVoucher(employerId, lineIds, extra);
  expect(res.statusCode, res.body).toBe(202);
  expect(res.json()).toMatchObject({ method: 'bank_voucher', status: 'voucher_issued' });
  const p = await eventually(() => payment(res.json().id), (p) => Boolean(p.voucher?.pdf || p.voucher?.lastPrintError));
  expect(p.voucher, JSON.stringify(p)).toMatchObject({ status: 'issued', lastPrintError: null });
  expect(p.voucher.pdf).toBe(`/api/vouchers/${p.voucher.id}/pdf`);
  return { paymentId: res.json().id as string, voucher: p.voucher as { id: string; voucherNumber: string; deadline: string; status: string }, created: res };
}

const finished = (paymentId: string, timeoutMs = 30_000) => eventually(() => payment(paymentId), (p) => p.status !== 'voucher_issued', timeoutMs);

async function printRecords(employerId: string) {
  const res = await get(`/api/employers/${employerId}/vouchers`, 'auditor');
  expect(res.statusCode, res.body).toBe(200);
  return res.json().vouchers as Record<string, any>[];
}


async function pdfOf(voucherId: string): Promise<string> {
  const res = await get(`/api/vouchers/${voucherId}/pdf`, 'auditor');
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toContain('application/pdf');
  expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  return pdfText(res.rawPayload);
}

describe('bank-side voucher (F-4.6)', () => {
  it('is paid at the bank counter: payment paid, declaration paid, nothing left to pay', async () => {
    const { employer, declarationId, payables } = await declaredEmployer(1);
    const { paymentId, voucher } = await issuedVoucher(employer.id, payables.map((p) => p.lineId));
    // While it waits at the bank, its lines are held: they cannot be paid a second time.
    expect((await get(`/api/employers/${employer.id}/payables`)).json().payables).toEqual([]);

    await stack.admin(`/admin/vouchers/${voucher.voucherNumber}/pay`, {});
    const paid = await finished(paymentId);
    expect(paid.status).toBe('paid');
    expect(paid.voucher.status).toBe('paid');
    const declaration = (await get(`/api/declarations/${declarationId}`)).json();
    expect(declaration.paymentStatus).toBe('paid');
    expect(declaration.items.every((i: { amountFen: number; paidFen: number }) => i.paidFen === i.amountFen)).toBe(true);
    expect((await get(`/api/employers/${employer.id}/payables`)).json().payables).toEqual([]);

    const [record] = await printRecords(employer.id);
    expect(record).toMatchObject({ id: voucher.id, paymentId, voucherNumber: voucher.voucherNumber, status: 'paid', printCount: 1, lastPrintError: null });
    expect(record!.amountFen).toBe(payables.reduce((s, p) => s + p.dueFen, 0));
    expect(record!.paidAt).toEqual(expect.any(String));
    // One counter payment at the bureau, under the payment's id as its key.
    const ledger = (await stack.admin('/admin/ledger')).entries as { key: string; kind: string; voucherNumber?: string }[];
    expect(ledger.filter((e) => e.key === paymentId)).toMatchObject([{ kind: 'counter_payment', voucherNumber: voucher.voucherNumber }]);

    // A paid voucher can be neither voided nor printed again.
    const voided = await post(`/api/vouchers/${voucher.id}/void`);
    expect(voided.statusCode).toBe(409);
    expect(voided.json().code).toBe('VOUCHER_NOT_VOIDABLE');
    const reprinted = await post(`/api/vouchers/${voucher.id}/reprint`);
    expect(reprinted.statusCode).toBe(409);
    expect(reprinted.json().code).toBe('VOUCHER_NOT_ISSUED');
  });

  it('paying some lines of a declaration makes it partially paid; the others stay payable', async () => {
    const { employer, declarationId, payables } = await declaredEmployer(2);
    const [first, second, ...rest] = payables;
    const { paymentId, voucher } = await issuedVoucher(employer.id, [first!.lineId, second!.lineId]);
    expect((await get(`/api/employers/${employer.id}/payables`)).json().payables.map((p: Payable) => p.lineId)).toEqual(rest.map((p) => p.lineId));
    await stack.admin(`/admin/vouchers/${voucher.voucherNumber}/pay`, {});
    expect((await finished(paymentId)).status).toBe('paid');
    expect((await get(`/api/declarations/${declarationId}`)).json().paymentStatus).toBe('partially_paid');
    expect((await get(`/api/employers/${employer.id}/payables`)).json().payables.map((p: Payable) => p.lineId)).toEqual(rest.map((p) => p.lineId));
  });

  it('refuses a wrong declaration password with the exact 20101 message and creates nothing (F-4.3)', async () => {
    const { employer, payables } = await declaredEmployer(3);
    const res = await payByVoucher(employer.id, payables.map((p) => p.lineId), { password: 'Wrong2026x' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'PASSWORD_INVALID', bureauCode: '20101', detail: WRONG_PASSWORD_MESSAGE });
    expect((await get(`/api/payments?employerId=${employer.id}`)).json().payments).toEqual([]);
    expect(await printRecords(employer.id)).toEqual([]);
    expect((await get(`/api/employers/${employer.id}/payables`)).json().payables).toHaveLength(payables.length);
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

    const auditorTry = await stack.app.inject({ method: 'POST', url: `/api/vouchers/${voucher.id}/void`, headers: auth('auditor'), payload: {} });
    expect(auditorTry.statusCode).toBe(403);

    const res = await post(`/api/vouchers/${voucher.id}/void`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: voucher.id, voucherNumber: voucher.voucherNumber, status: 'voided' });
    const p = await payment(paymentId);
    expect(p.status).toBe('voucher_voided');
    expect(p.reason).toContain('olivia');
    expect((await stack.bureau.getVoucher(voucher.voucherNumber)).state).toBe('voided');
    expect((await get(`/api/employers/${employer.id}/payables`)).json().payables.map((l: Payable) => l.lineId)).toEqual(lineIds);
    expect((await get(`/api/declarations/${declarationId}`)).json().paymentStatus).toBe('unpaid');

    const again = await post(`/api/vouchers/${voucher.id}/void`);
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json()).toMatchObject({ status: 409, code: 'VOUCHER_NOT_VOIDABLE' });
    expect((await printRecords(employer.id))[0]).toMatchObject({ status: 'voided' });

    // The freed lines can go on a new voucher, which the counter pays.
    const second = await issuedVoucher(employer.id, lineIds);
    expect(second.voucher.voucherNumber).not.toBe(voucher.voucherNumber);
    await stack.admin(`/admin/vouchers/${second.voucher.voucherNumber}/pay`, {});
    expect((await finished(second.paymentId)).status).toBe('paid');
    expect((await get(`/api/declarations/${declarationId}`)).json().paymentStatus).toBe('paid');
    expect((await printRecords(employer.id)).map((v) => v.status)).toEqual(['paid', 'voided']);
  });

  it('answers 404 for an unknown voucher', async () => {
    for (const url of ['/api/vouchers/Vnope/pdf']) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    for (const action of ['void', 'reprint']) {
      const res = await post(`/api/vouchers/Vnope/${action}`);
      expect(res.statusCode).toBe(404);
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
    let ended: Record<string, any>;
    let atBureau: string;
    try {
      ended = await finished(paymentId, 20_000);
      atBureau = (await stack.bureau.getVoucher(voucher.voucherNumber)).state;
    } finally {
      vi.useRealTimers();
    }
    expect(ended.status).toBe('voucher_expired');
    expect(ended.reason).toContain(voucher.deadline);
    expect(ended.voucher.status).toBe('expired');
    expect(atBureau).toBe('expired');
    expect((await get(`/api/employers/${employer.id}/payables`)).json().payables.map((l: Payable) => l.lineId)).toEqual(lineIds);
    expect((await get(`/api/declarations/${declarationId}`)).json().paymentStatus).toBe('unpaid');
    const voided = await post(`/api/vouchers/${voucher.id}/void`);
    expect(voided.statusCode).toBe(409);
    expect(voided.json().code).toBe('VOUCHER_NOT_VOIDABLE');
  });
});

describe('the voucher PDF and printing again (F-4.6, F-4.8)', () => {
  it('records a failed print and prints it again from the print records (F-4.8)', async () => {
    const { employer, payables } = await declaredEmployer(7);
    const original = stack.renderer.voucher;
    stack.renderer.voucher = () => Promise.reject(new Error('printer jam (simulated)'));
    let paymentId: string;
    let failed: Record<string, any>;
    try {
      const res = await payByVoucher(employer.id, payables.map((p) => p.lineId));
      expect(res.statusCode, res.body).toBe(202);
      paymentId = res.json().id;
      // Three tries (2 s, then 4 s apart), then the error is recorded and the voucher still waits.
      failed = await eventually(() => payment(paymentId), (p) => Boolean(p.voucher?.lastPrintError), 30_000);
    } finally {
      stack.renderer.voucher = original;
    }
    expect(failed.status).toBe('voucher_issued');
    expect(failed.voucher).toMatchObject({ status: 'issued', pdf: null, lastPrintError: expect.stringContaining('printer jam') });
    const [record] = await printRecords(employer.id);
    expect(record).toMatchObject({ printCount: 0, pdf: null, lastPrintError: expect.stringContaining('printer jam') });
    const noFile = await get(`/api/vouchers/${record!.id}/pdf`);
    expect(noFile.statusCode).toBe(404);
    expect(noFile.json().code).toBe('VOUCHER_NOT_PRINTED');

    const again = await post(`/api/vouchers/${record!.id}/reprint`);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ printed: true, printCount: 1, lastPrintError: null, pdf: `/api/vouchers/${record!.id}/pdf` });
    // Its first printed copy: no reprint mark.
    const text = await pdfOf(record!.id);
    expect(text).toContain(`凭证序号：${record!.voucherNumber}`);
    expect(text).not.toContain('补打');
    expect((await post(`/api/vouchers/${record!.id}/void`)).statusCode).toBe(200);
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
    const reprint = await post(`/api/vouchers/${voucher.id}/reprint`);
    expect(reprint.statusCode, reprint.body).toBe(200);
    expect(reprint.json()).toMatchObject({ id: voucher.id, voucherNumber: voucher.voucherNumber, printed: true, printCount: 2, status: 'issued' });
    expect(reprint.json().pdfSha256).not.toBe(records[0]!.pdfSha256);
    const again = await pdfOf(voucher.id);
    expect(again).toContain(`凭证序号：${voucher.voucherNumber}`);
    expect(again).toContain('补打');
    expect(again.replace(/\s+/g, '')).toContain(toChineseCapitals(total));

    // The full account number is nowhere: not in the API's answers, not in the database, not in
    // the workflow's history (payloads are encrypted).
    const answers = [created.body, reprint.body, JSON.stringify(await payment(paymentId)), JSON.stringify(await printRecords(employer.id))];
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
    expect((await post(`/api/vouchers/${voucher.id}/void`)).statusCode).toBe(200);
  });
});
