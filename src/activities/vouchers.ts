// Bank-side voucher activities (银行端查询缴费凭证, F-4.6, F-4.8): bureau calls, the voucher's
// records and its PDF. The payer's full account number goes to the bureau and nowhere else:
// only the bank, the account name and the masked number are stored, printed or returned.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { PaymentLine, VoucherAccount, VoucherState } from '../bureau/contract';
import { finishVoucher as finishVoucherRecord, insertVoucher, recordPrint, recordPrintError, voucherIdOf, voucherPrintData } from '../db/vouchers';
import { maskAccount } from '../domain/payment';
import type { VoucherDocument } from '../render';
import { callBureau } from './bureau-errors';
import { isUniqueViolation } from '../db/errors';
import type { ActivityDeps } from './deps';

export interface IssuedVoucher {
  voucherId: string;
  voucherNumber: string;
  issuedAt: string;
  deadline: string; // 限缴日期, YYYY-MM-DD
}

/** What the bureau says of a voucher, without its account. */
export interface VoucherCheck {
  state: VoucherState;
  paidAt?: string;
}

/** YYYY-MM-DD in China (UTC+8, no daylight saving) at the given moment. */
function chinaDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Where print `n` of a voucher is stored, relative to the files folder. */
export function voucherFile(voucherId: string, n: number): string {
  return path.posix.join('vouchers', `${voucherId}-${n}.pdf`);
}

export function voucherActivities({ db, bureau, renderer, filesDir }: ActivityDeps) {
  return {
    /** Issues the voucher at the bureau (idempotent by the payment id) and records it. */
    async issueVoucher(input: {
      paymentId: string;
      employerId: string;
      taxpayerId: string;
      lines: PaymentLine[];
      amountFen: number;
      account: VoucherAccount | null;
    }): Promise<IssuedVoucher> {
      const issued = await callBureau(() =>
        bureau.issueVoucher({ key: input.paymentId, taxpayerId: input.taxpayerId, lines: input.lines, ...(input.account ? { account: input.account } : {}) }),
      );
      if (issued.amountFen !== input.amountFen) {
        throw ApplicationFailure.nonRetryable(`the bureau issued voucher ${issued.voucherNumber} over ${issued.amountFen} fen, not ${input.amountFen}`, 'AMOUNT_MISMATCH');
      }
      // Without an account of ours the bureau prints the employer's first reported one: ask which.
      const account = input.account ?? (await callBureau(() => bureau.getVoucher(issued.voucherNumber))).account;
      const row = await insertVoucher(db, {
        id: voucherIdOf(input.paymentId),
        paymentId: input.paymentId,
        employerId: input.employerId,
        voucherNumber: issued.voucherNumber,
        amountFen: issued.amountFen,
        issuedAt: new Date(issued.issuedAt),
        deadline: issued.deadline,
        bankName: account?.bankName ?? null,
        accountName: account?.accountName ?? null,
        accountMasked: account ? maskAccount(account.accountNumber) : null,
      }).catch(async (err: unknown) => {
        if (!isUniqueViolation(err, 'vouchers_voucher_number_unique')) throw err;
        // The bureau gave a number we hold for another payment already (its numbering restarted):
        // retrying cannot fix that. The voucher is voided there, so no counter takes money for a
        // voucher we do not track, and the payment fails with the reason; its lines are free.
        await callBureau(() => bureau.voidVoucher(issued.voucherNumber));
        throw ApplicationFailure.nonRetryable(
          `the bureau issued voucher number ${issued.voucherNumber}, which is recorded for another payment already; it was voided at the bureau: pay these lines again, and tell the bureau its voucher numbers repeat`,
          'VOUCHER_NUMBER_TAKEN',
        );
      });
      return { voucherId: row.id, voucherNumber: row.voucherNumber, issuedAt: row.issuedAt.toISOString(), deadline: row.deadline };
    },

    /** Renders print `n` of the voucher (n > 1: 补打), stores the file and its SHA-256. */
    async printVoucher(input: { voucherId: string; n: number; actor: string }): Promise<{ sha256: string; pdfPath: string }> {
      const data = await voucherPrintData(db, input.voucherId);
      if (!data) throw ApplicationFailure.nonRetryable(`no voucher ${input.voucherId}`, 'UNKNOWN_VOUCHER');
      const { voucher, employer, lines } = data;
      const known = await callBureau(() => bureau.getEmployer(employer.taxpayerId));
      const doc: VoucherDocument = {
        voucherNumber: voucher.voucherNumber,
        issueDate: chinaDate(voucher.issuedAt),
        taxpayerId: employer.taxpayerId,
        taxpayerName: known.name || employer.name,
        taxOfficeCode: known.taxOfficeCode,
        taxOfficeName: known.taxOfficeName,
        payerName: voucher.accountName ?? known.name,
        payerBank: voucher.bankName ?? '',
        payerAccount: voucher.accountMasked ?? '',
        items: lines.map((l) => ({ insuranceType: l.insuranceType, period: l.period, amountFen: l.amountFen })),
        totalFen: voucher.amountFen,
        deadline: voucher.deadline,
        reprint: input.n > 1,
      };
      const { pdf, sha256 } = await renderer.voucher(doc);
      const pdfPath = voucherFile(voucher.id, input.n);
      const file = path.join(filesDir, pdfPath);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, pdf);
      await rename(`${file}.tmp`, file);
      await recordPrint(db, voucher.id, { n: input.n, pdfPath, sha256, actor: input.actor });
      return { sha256, pdfPath };
    },

    async recordVoucherPrintError(input: { voucherId: string; error: string; actor: string }): Promise<void> {
      await recordPrintError(db, input.voucherId, input.error, input.actor);
    },

    /** Whether the counter paid it, it expired, or it still waits. */
    async checkVoucher(input: { voucherNumber: string }): Promise<VoucherCheck> {
      const v = await callBureau(() => bureau.getVoucher(input.voucherNumber));
      return { state: v.state, ...(v.paidAt ? { paidAt: v.paidAt } : {}) };
    },

    /** Voids the voucher at the bureau; a voucher paid meanwhile (409 VOUCHER_PAID) answers `paid`. */
    async voidVoucherAtBureau(input: { voucherNumber: string }): Promise<VoucherCheck> {
      try {
        const v = await callBureau(() => bureau.voidVoucher(input.voucherNumber));
        return { state: v.state };
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.type !== 'VOUCHER_PAID') throw err;
        const v = await callBureau(() => bureau.getVoucher(input.voucherNumber));
        return { state: v.state, ...(v.paidAt ? { paidAt: v.paidAt } : {}) };
      }
    },

    /** Ends the voucher and its payment (paid: the lines are paid; voided, expired: they are free again). */
    async finishVoucher(input: {
      voucherId: string;
      paymentId: string;
      status: 'paid' | 'voided' | 'expired';
      paidAt: string | null;
      reason: string | null;
      actor: string;
    }): Promise<void> {
      await finishVoucherRecord(db, { ...input, paidAt: input.paidAt ? new Date(input.paidAt) : null });
    },
  };
}
