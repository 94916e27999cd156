// Printing a bank-side voucher again (补打, F-4.8): the same voucher number, marked as a reprint,
// only while it is issued and unpaid. The payment's workflow prints it and records the print.
import type { VoucherRow } from '../db/vouchers';
import { reprintVoucherUpdate } from '../contracts/payment';
import { Problem } from '../domain/problem';
import type { Caller, Services } from './context';
import { openEmployer } from './employer-access';
import { voucherOr404 } from './payment-records';
import { updateVoucherWorkflow } from './voucher-workflow';

const REFUSAL = { code: 'VOUCHER_NOT_ISSUED', title: 'Only an issued, unpaid voucher can be printed again' };

/** Prints the voucher again: the voucher after it, and whether this print worked. */
export async function reprintVoucher(services: Services, caller: Caller, input: { voucherId: string }): Promise<{ voucher: VoucherRow; printed: boolean }> {
  const voucher = await voucherOr404(services, input.voucherId);
  await openEmployer(services, voucher.employerId);
  if (voucher.status !== 'issued') throw new Problem(409, REFUSAL.code, REFUSAL.title, `voucher ${voucher.voucherNumber} is ${voucher.status}`);
  const result = await updateVoucherWorkflow(services, voucher, REFUSAL, (h) => h.executeUpdate(reprintVoucherUpdate, { args: [{ actor: caller.actor }] }));
  return { voucher: await voucherOr404(services, voucher.id), printed: result.printed };
}
