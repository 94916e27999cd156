// The payment and voucher records the payment use cases act on, or the 404 when there is none.
import { getPayment, type PaymentRecord } from '../db/payments';
import { findVoucher, type VoucherRow } from '../db/vouchers';
import { notFound } from '../domain/problem';
import type { Services } from './context';

export async function paymentOr404(services: Pick<Services, 'db'>, id: string): Promise<PaymentRecord> {
  const payment = await getPayment(services.db, id);
  if (!payment) throw notFound('payment', id);
  return payment;
}

export async function voucherOr404(services: Pick<Services, 'db'>, id: string): Promise<VoucherRow> {
  const voucher = await findVoucher(services.db, id);
  if (!voucher) throw notFound('voucher', id);
  return voucher;
}
