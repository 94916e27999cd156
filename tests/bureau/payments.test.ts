// Payments: real-time deductions (idempotent by key), bank-side vouchers, certificates.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BureauClient, BureauTimeoutError } from '../../src/bureau/client';
import type { BureauEmployer, BureauLedgerEntry, DeductRequest } from '../../src/bureau/contract';
import type { FeeItem } from '../../src/domain/fee-items';
import { sumFen } from '../../src/domain/money';
import { addEmployer, addFault, declareAccepted, linesOf, startBureau, type TestBureau } from './support';

let bureau: TestBureau;
let n = 200;

beforeAll(async () => {
  bureau = await startBureau({ resultDelayMs: 50 });
});
afterAll(() => bureau.close());
beforeEach(async () => {
  await bureau.admin('DELETE', '/admin/faults');
});

/** An employer whose regular items of the period are declared and accepted. */
async function declared(): Promise<{ employer: BureauEmployer; items: FeeItem[] }> {
  const { employer, items } = await addEmployer(bureau, ++n);
  await declareAccepted(bureau, employer.taxpayerId, items, `decl-${n}`);
  return { employer, items };
}

function deduction(employer: BureauEmployer, items: FeeItem[], key: string): DeductRequest {
  return { key, taxpayerId: employer.taxpayerId, agreementId: employer.agreements[0]!.agreementId, lines: linesOf(items), amountFen: sumFen(items.map((i) => i.amountFen)) };
}

async function ledger(): Promise<BureauLedgerEntry[]> {
  return (await bureau.admin<{ entries: BureauLedgerEntry[] }>('GET', '/admin/ledger')).body.entries;
}

describe('real-time deduction', () => {
  it('applies a key once however often it is sent', async () => {
    const { employer, items } = await declared();
    const request = deduction(employer, items, 'pay-1');
    const first = await bureau.client.deduct(request);
    expect(first).toMatchObject({ key: 'pay-1', result: 'succeeded', code: '90000', applied: true, amountFen: request.amountFen });
    expect(await bureau.client.deduct(request)).toEqual(first);
    expect(await bureau.client.deduct(request)).toEqual(first);
    expect((await bureau.client.getEmployer(employer.taxpayerId)).balanceFen).toBe(employer.balanceFen - request.amountFen);
    expect((await ledger()).filter((e) => e.key === 'pay-1')).toHaveLength(1);
    expect(await bureau.client.getDeductionStatus('pay-1')).toEqual({ key: 'pay-1', state: 'applied', result: first });
    // the items are paid: a new key cannot pay them again
    await expect(bureau.client.deduct(deduction(employer, items, 'pay-1b'))).rejects.toMatchObject({ status: 409, code: 'ITEM_NOT_PAYABLE' });
  });

  it('with an unknown outcome is applied, and the status route says so', async () => {
    const { employer, items } = await declared();
    await addFault(bureau, { operation: 'deduct', mode: 'unknown_outcome', times: 1 });
    const impatient = new BureauClient(bureau.url, { timeoutMs: 300 });
    await expect(impatient.deduct(deduction(employer, items, 'pay-2'))).rejects.toBeInstanceOf(BureauTimeoutError);
    const status = await bureau.client.getDeductionStatus('pay-2');
    expect(status).toMatchObject({ key: 'pay-2', state: 'applied', result: { result: 'succeeded', code: '90000' } });
    expect((await ledger()).filter((e) => e.key === 'pay-2')).toHaveLength(1);
    expect(await bureau.client.getDeductionStatus('never-sent')).toEqual({ key: 'never-sent', state: 'not_found' });
  });

  it('fails with 余额不足 when the balance is short, and moves no money', async () => {
    const { employer, items } = await declared();
    await bureau.admin('PATCH', `/admin/employers/${employer.taxpayerId}`, { balanceFen: 100 });
    const result = await bureau.client.deduct(deduction(employer, items, 'pay-3'));
    expect(result).toMatchObject({ result: 'failed', code: 'INSUFFICIENT_BALANCE', reason: '余额不足', applied: false });
    expect((await bureau.client.getEmployer(employer.taxpayerId)).balanceFen).toBe(100);
    expect(await bureau.client.getDeductionStatus('pay-3')).toMatchObject({ state: 'failed' });
    expect((await ledger()).some((e) => e.key === 'pay-3')).toBe(false);
    // after a top-up a new attempt (new key) succeeds
    await bureau.admin('PATCH', `/admin/employers/${employer.taxpayerId}`, { balanceFen: 1_000_000_000 });
    expect(await bureau.client.deduct(deduction(employer, items, 'pay-3b'))).toMatchObject({ result: 'succeeded' });
  });

  it('fails under insufficient_balance and account_frozen faults, and for an invalid agreement', async () => {
    const { employer, items } = await declared();
    await addFault(bureau, { operation: 'deduct', mode: 'insufficient_balance', times: 1 });
    await addFault(bureau, { operation: 'deduct', mode: 'account_frozen', times: 1 });
    expect(await bureau.client.deduct(deduction(employer, items, 'pay-4a'))).toMatchObject({ result: 'failed', code: 'INSUFFICIENT_BALANCE' });
    expect(await bureau.client.deduct(deduction(employer, items, 'pay-4b'))).toMatchObject({ result: 'failed', code: 'ACCOUNT_FROZEN', reason: '账户冻结' });

    const unverified = await addEmployer(bureau, ++n, {
      agreements: [{ agreementId: 'AG-1', bankName: '中国工商银行贵阳分行', accountName: '测试', accountNumber: '2402000000000000001', status: 'unverified' }],
    });
    await declareAccepted(bureau, unverified.employer.taxpayerId, unverified.items, `decl-${n}`);
    expect(await bureau.client.deduct(deduction(unverified.employer, unverified.items, 'pay-4c'))).toMatchObject({ result: 'failed', code: 'AGREEMENT_INVALID' });
  });

  it('refuses undeclared items, wrong amounts and unknown agreements with 409', async () => {
    const { employer, items } = await addEmployer(bureau, ++n);
    await expect(bureau.client.deduct(deduction(employer, items, 'pay-5a'))).rejects.toMatchObject({ code: 'ITEM_NOT_PAYABLE' });
    await declareAccepted(bureau, employer.taxpayerId, items, `decl-${n}`);
    await expect(bureau.client.deduct({ ...deduction(employer, items, 'pay-5b'), amountFen: 1 })).rejects.toMatchObject({ code: 'AMOUNT_MISMATCH' });
    await expect(bureau.client.deduct({ ...deduction(employer, items, 'pay-5c'), agreementId: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_AGREEMENT' });
    expect(await bureau.client.getDeductionStatus('pay-5b')).toMatchObject({ state: 'not_found' });
  });
});

describe('bank-side voucher', () => {
  it('is issued once per key, blocks other payments, is paid at the counter and then cannot be voided', async () => {
    const { employer, items } = await declared();
    const request = { key: 'vch-1', taxpayerId: employer.taxpayerId, lines: linesOf(items) };
    const issued = await bureau.client.issueVoucher(request);
    expect(issued.amountFen).toBe(sumFen(items.map((i) => i.amountFen)));
    expect(issued.deadline > issued.issuedAt.slice(0, 10)).toBe(true);
    expect(await bureau.client.issueVoucher(request)).toEqual(issued);
    expect(await bureau.client.getVoucher(issued.voucherNumber)).toMatchObject({ state: 'issued', account: { accountNumber: employer.accounts[0]!.accountNumber } });

    await expect(bureau.client.deduct(deduction(employer, items, 'vch-pay'))).rejects.toMatchObject({ code: 'ITEM_ON_VOUCHER' });
    await expect(bureau.client.issueVoucher({ ...request, key: 'vch-1b' })).rejects.toMatchObject({ code: 'ITEM_ON_VOUCHER' });

    const paid = await bureau.admin<{ state: string; paidAt: string }>('POST', `/admin/vouchers/${issued.voucherNumber}/pay`);
    expect(paid.body).toMatchObject({ state: 'paid', paidAt: expect.any(String) });
    await bureau.admin('POST', `/admin/vouchers/${issued.voucherNumber}/pay`);
    const entries = (await ledger()).filter((e) => e.voucherNumber === issued.voucherNumber);
    expect(entries).toEqual([expect.objectContaining({ key: 'vch-1', kind: 'counter_payment', amountFen: issued.amountFen })]);

    await expect(bureau.client.voidVoucher(issued.voucherNumber)).rejects.toMatchObject({ status: 409, code: 'VOUCHER_PAID' });
  });

  it('can be voided while unpaid; voided, it cannot be paid and its items are free again', async () => {
    const { employer, items } = await declared();
    const account = { bankName: '贵州银行股份有限公司', accountName: employer.name, accountNumber: '6228000000000000' };
    const issued = await bureau.client.issueVoucher({ key: 'vch-2', taxpayerId: employer.taxpayerId, lines: linesOf(items), account });
    expect((await bureau.client.getVoucher(issued.voucherNumber)).account).toEqual(account);
    expect(await bureau.client.voidVoucher(issued.voucherNumber)).toMatchObject({ state: 'voided', voidedAt: expect.any(String) });
    expect(await bureau.client.voidVoucher(issued.voucherNumber)).toMatchObject({ state: 'voided' });
    const pay = await bureau.admin<{ code: string }>('POST', `/admin/vouchers/${issued.voucherNumber}/pay`);
    expect(pay).toMatchObject({ status: 409, body: { code: 'VOUCHER_VOIDED' } });
    expect(await bureau.client.deduct(deduction(employer, items, 'vch-2-pay'))).toMatchObject({ result: 'succeeded' });
    await expect(bureau.client.getVoucher('0')).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_VOUCHER' });
  });

  it('takes its deadline from the settings', async () => {
    const { employer, items } = await declared();
    await bureau.admin('PATCH', '/admin/settings', { voucherDeadlineDays: 3 });
    const issued = await bureau.client.issueVoucher({ key: 'vch-3', taxpayerId: employer.taxpayerId, lines: linesOf(items.slice(0, 1)) });
    await bureau.admin('PATCH', '/admin/settings', { voucherDeadlineDays: 15 });
    const days = (Date.parse(issued.deadline) - Date.parse(issued.issuedAt.slice(0, 10))) / 86_400_000;
    expect(days).toBeGreaterThanOrEqual(3);
    expect(days).toBeLessThanOrEqual(4); // the issue date is China's, which may be a day ahead of UTC
  });
});

describe('tax payment certificate', () => {
  it('is refused while the period is unpaid, then issued once per key', async () => {
    const { employer, items } = await declared();
    const request = { key: 'cert-1', taxpayerId: employer.taxpayerId, period: items[0]!.period };
    await expect(bureau.client.issueCertificate(request)).rejects.toMatchObject({ status: 409, code: 'NOT_PAID' });
    await bureau.client.deduct(deduction(employer, items.slice(0, 2), 'cert-pay-1'));
    await expect(bureau.client.issueCertificate(request)).rejects.toMatchObject({ code: 'NOT_PAID' });
    await bureau.client.deduct(deduction(employer, items.slice(2), 'cert-pay-2'));
    const certificate = await bureau.client.issueCertificate(request);
    expect(certificate).toMatchObject({ taxpayerId: employer.taxpayerId, period: request.period, amountFen: sumFen(items.map((i) => i.amountFen)) });
    expect(certificate.lines).toHaveLength(5);
    expect(certificate.lines.map((l) => l.originalVoucher).sort()).toEqual(['cert-pay-1', 'cert-pay-1', 'cert-pay-2', 'cert-pay-2', 'cert-pay-2']);
    expect(await bureau.client.issueCertificate(request)).toEqual(certificate);
    const second = await bureau.client.issueCertificate({ ...request, key: 'cert-2' });
    expect(second.certificateNumber).not.toBe(certificate.certificateNumber);
  });
});
