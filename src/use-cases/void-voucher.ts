// Voiding a bank-side voucher (作废, F-4.8): only an issued, unpaid one, for an employer that may
// be acted for. The payment's workflow voids it at the bureau and records it; its lines can then
// be paid again.
import type { VoucherRow } from '../db/vouchers';
import { voidVoucherUpdate } from '../contracts/payment';
import { Problem } from '../domain/problem';
import type { Caller, Services } from './context';
import { openEmployer } from './employer-access';
import { voucherOr404 } from './payment-records';
import { updateVoucherWorkflow } from './voucher-workflow';

const REFUSAL = { code: 'VOUCHER_NOT_VOIDABLE', title: 'Only an issued, unpaid voucher can be voided' };

/** Voids the voucher: the voided voucher. */
export async function voidVoucher(services: Services, caller: Caller, input: { voucherId: string }): Promise<VoucherRow> {
  const voucher = await voucherOr404(services, input.voucherId);
  await openEmployer(services, voucher.employerId);
  // The repeat of a keyed void whose first try voided it and died before answering.
  if (voucher.status === 'voided' && caller.idempotency?.resumed) return voucher;
  if (voucher.status !== 'issued') throw new Problem(409, REFUSAL.code, REFUSAL.title, `voucher ${voucher.voucherNumber} is ${voucher.status}`);
  const result = await updateVoucherWorkflow(services, voucher, REFUSAL, (h) => h.executeUpdate(voidVoucherUpdate, { args: [{ actor: caller.actor }] }));
  // Paid at the counter before the void reached the bureau.
  if (result.status !== 'voided') throw new Problem(409, REFUSAL.code, REFUSAL.title, `voucher ${voucher.voucherNumber} was ${result.status} before the void reached the bureau`);
  return voucherOr404(services, voucher.id);
}
