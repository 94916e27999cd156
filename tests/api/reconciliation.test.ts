// Reconciliation with the bureau's ledger on the real stack: the mock bureau's read route
// (payments by date, outside /admin), a clean day all matched (a three-party deduction and a
// counter payment), then one discrepancy of each kind injected (a deduction made at the bureau
// behind our back, an amount changed here, a deduction recorded here that the bureau never
// had), and the day's export as CSV and XLSX.
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chinaDay } from '../../src/domain/china-time';
import { NEW_PASSWORD } from '../support/employers';
import { declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

const today = chinaDay(new Date());
const reconcileNow = (date = today, role: 'operator' | 'auditor' = 'operator') => stack.clientAs(role).POST('/api/reconciliations/{date}', { params: { path: { date } } });
const reconciliation = (date: string, role: 'operator' | 'auditor' = 'operator') => stack.clientAs(role).GET('/api/reconciliations/{date}', { params: { path: { date } } });
const auditLog = (query: { action: string; subject: string }) => stack.client.GET('/api/audit/log', { params: { query } }).then((r) => r.data!.entries);

/** A payment as far as these tests read it (GET /api/payments/{id}). */
interface Payment {
  id: string;
  status: string;
  totalFen: number;
  attempts: { n: number; outcome: string }[];
  voucher?: { voucherNumber?: string } | null;
}
const payment = (id: string) => stack.client.GET('/api/payments/{id}', { params: { path: { id } } }).then((r) => (r.data as Payment | undefined)!);

/** Enough balance for every deduction. */
const RICH = { balanceFen: 100_000_000_00 };

let threeParty: { paymentId: string; key: string; totalFen: number };
let voucher: { paymentId: string; voucherNumber: string };

describe('the bureau’s ledger by date', () => {
  it('is a read route outside /admin, for a day in China time', async () => {
    const res = await fetch(`${stack.bureauUrl}/v1/payments?date=${today}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ date: today, entries: [] });
    expect((await fetch(`${stack.bureauUrl}/v1/payments?date=tomorrow`)).status).toBe(400);
    expect((await fetch(`${stack.bureauUrl}/v1/payments`)).status).toBe(400);
  });
});

describe('reconciling a day', () => {
  beforeAll(async () => {
    const a = await declaredEmployer(stack, 951, RICH);
    const paid = await payThreeParty(stack, a.employer.id, { lineIds: a.payables.map((p) => p.lineId), agreementId: a.agreementId });
    expect(paid.response.status, JSON.stringify(paid.error)).toBe(202);
    const p = await eventually(() => payment(paid.data!.id), (x) => x.status === 'paid');
    // Each attempt's idempotency key is `<payment id>-<n>`.
    const succeeded = p.attempts.find((x) => x.outcome === 'succeeded')!;
    threeParty = { paymentId: p.id, key: `${p.id}-${succeeded.n}`, totalFen: p.totalFen };

    const b = await declaredEmployer(stack, 952);
    const byVoucher = await stack.client.POST('/api/employers/{id}/payments', {
      params: { path: { id: b.employer.id } },
      body: { lineIds: b.payables.map((l) => l.lineId), amountConfirmed: true, password: NEW_PASSWORD, method: 'bank_voucher' },
    });
    expect(byVoucher.response.status, JSON.stringify(byVoucher.error)).toBe(202);
    const byVoucherId = (byVoucher.data as { id: string } | undefined)!.id;
    const issued = await eventually(() => payment(byVoucherId), (x) => Boolean(x.voucher?.voucherNumber));
    const voucherNumber = issued.voucher!.voucherNumber!;
    await stack.admin(`/admin/vouchers/${voucherNumber}/pay`, {});
    await eventually(() => payment(byVoucherId), (x) => x.status === 'paid');
    voucher = { paymentId: issued.id, voucherNumber };
  });

  it('shows a clean day as all matched', async () => {
    const res = await reconcileNow();
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    const r = res.data!;
    expect(r).toMatchObject({ date: today, clean: true, matched: 2, missingHere: 0, missingAtBureau: 0, amountMismatch: 0, ranBy: 'olivia' });
    expect(r.bureauTotalFen).toBe(r.ourTotalFen);
    expect(r.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 'matched', kind: 'deduction', ref: threeParty.key, paymentId: threeParty.paymentId, ourAmountFen: threeParty.totalFen, bureauAmountFen: threeParty.totalFen }),
        expect.objectContaining({ status: 'matched', kind: 'counter_payment', ref: voucher.voucherNumber, paymentId: voucher.paymentId }),
      ]),
    );
    expect((await reconciliation(today)).data).toEqual(r);
    const log = await auditLog({ action: 'reconciliation.', subject: today });
    expect(log).toEqual([expect.objectContaining({ action: 'reconciliation.clean', actor: 'olivia', detail: expect.objectContaining({ matched: 2 }) })]);
  });

  it('finds a discrepancy of each kind', async () => {
    // Collected at the bureau, unknown here: a deduction made behind our back.
    const c = await declaredEmployer(stack, 953, RICH, 1);
    const line = c.payables[0]!;
    const stray = await stack.bureau.deduct({ key: 'stray-deduction-1', taxpayerId: c.employer.taxpayerId, agreementId: c.agreementId!, lines: [{ itemId: line.itemId, amountFen: line.dueFen }], amountFen: line.dueFen });
    expect(stray.applied).toBe(true);
    // Our amount differs from what the bureau took.
    await stack.database.db.execute(sql`update payments set total_fen = total_fen + 1 where id = ${threeParty.paymentId}`);
    // Recorded here as collected, never at the bureau.
    await stack.database.db.execute(sql`insert into payment_attempts (payment_id, n, deduction_key, outcome, code) values (${threeParty.paymentId}, 99, 'never-at-bureau', 'succeeded', '90000')`);

    const r = (await reconcileNow()).data!;
    expect(r).toMatchObject({ clean: false, matched: 1, missingHere: 1, missingAtBureau: 1, amountMismatch: 1 });
    const byRef = Object.fromEntries(r.items.map((i) => [i.ref, i]));
    expect(byRef['stray-deduction-1']).toMatchObject({ status: 'missingHere', taxpayerId: c.employer.taxpayerId, bureauAmountFen: line.dueFen, ourAmountFen: null, paymentId: null });
    expect(byRef[threeParty.key]).toMatchObject({ status: 'amountMismatch', ourAmountFen: threeParty.totalFen + 1, bureauAmountFen: threeParty.totalFen });
    expect(byRef['never-at-bureau']).toMatchObject({ status: 'missingAtBureau', paymentId: threeParty.paymentId, bureauAmountFen: null });
    expect(byRef[voucher.voucherNumber]).toMatchObject({ status: 'matched' });
    expect(r.items.at(-1)!.status).toBe('matched'); // discrepancies first
    const log = await auditLog({ action: 'reconciliation.discrepancies', subject: today });
    expect(log).toEqual([expect.objectContaining({ detail: expect.objectContaining({ missingHere: 1, missingAtBureau: 1, amountMismatch: 1 }) })]);
  });

  it('exports the day as CSV and XLSX', async () => {
    const exported = (format: 'csv' | 'xlsx') => stack.client.GET('/api/reconciliations/{date}/export', { params: { path: { date: today }, query: { format } }, parseAs: 'arrayBuffer' });
    const csv = await exported('csv');
    expect(csv.response.status).toBe(200);
    expect(csv.response.headers.get('content-type')).toContain('text/csv');
    expect(csv.response.headers.get('content-disposition')).toBe(`attachment; filename="reconciliation-${today}.csv"`);
    // Read as bytes: a text decoder would take the BOM away.
    const text = Buffer.from(csv.data!).toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true); // so spreadsheet programs read the Chinese headers as UTF-8
    const rows = text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows[0]).toContain('结果 status');
    expect(rows).toHaveLength(5);
    expect(rows.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['amountMismatch', 'matched', 'missingAtBureau', 'missingHere']);
    expect(rows.find((l) => l.startsWith('amountMismatch'))).toContain(threeParty.key);

    const xlsx = await exported('xlsx');
    expect(xlsx.response.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.data!);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(5);
    expect(sheet.getRow(2).getCell(1).value).not.toBe('matched');
  });

  it('refuses what it cannot reconcile, and lets only operators run it', async () => {
    expect((await reconciliation('2020-01-01')).error).toMatchObject({ status: 404, code: 'NOT_RECONCILED' });
    expect((await reconcileNow('2999-01-01')).error).toMatchObject({ status: 400, code: 'DATE_IN_FUTURE' });
    expect((await reconcileNow('2026-02-30')).response.status).toBe(400);
    expect((await reconciliation('yesterday')).response.status).toBe(400);
    for (const notADay of ['0000-00-00', '0000-01-01', '2026-02-30', '2026-13-01']) {
      expect((await stack.client.GET('/api/reconciliations/{date}/export', { params: { path: { date: notADay } } })).error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await reconcileNow(today, 'auditor')).response.status).toBe(403);
    expect((await reconciliation(today, 'auditor')).response.status).toBe(200);
    // A past day with nothing collected is clean.
    expect((await reconcileNow('2020-01-01')).data).toMatchObject({ clean: true, matched: 0, items: [] });
  });
});
