// Words: the business terms in English and Chinese, and the tones of their badges.
import { h } from './dom.js';
import { state } from './state.js';

export const DECLARATION_STATUS = {
  submitted: 'submitted 已提交',
  accepted: 'accepted 申报成功',
  rejected: 'rejected 申报失败',
  result_unknown: 'result unknown 结果未知',
  voiding: 'voiding 作废中',
  voided: 'voided 已作废',
  void_rejected: 'void rejected 作废失败',
};
export const PAID_STATUS = { unpaid: 'unpaid 未缴费', partially_paid: 'partly paid 部分缴费', paid: 'paid 已缴费' };
export const PAYMENT_STATUS = {
  deducting: 'deducting 扣款中',
  awaiting_retry: 'awaiting retry 等待重试',
  paid: 'paid 缴费成功',
  failed: 'failed 缴费失败',
  cancelled: 'cancelled 已取消',
  voucher_issued: 'voucher issued 凭证已开具',
  voucher_voided: 'voucher voided 凭证已作废',
  voucher_expired: 'voucher expired 凭证已过期',
};
export const RUNNING_PAYMENTS = ['deducting', 'awaiting_retry', 'voucher_issued'];
export const VOUCHER_STATUS = { issued: 'issued 已开具', paid: 'paid 已缴款', voided: 'voided 已作废', expired: 'expired 已过期' };
/** F-2.8's reasons in words (the codes stay in the API). */
export const EXCLUSION_REASON = { ALREADY_DECLARED: 'already declared 已申报', NOT_NORMAL_DATA: 'no normal payment data 无正常缴费数据', REVOKED: 'order revoked 征集单已撤销', EXPIRED: 'order expired 征集单已过期' };
export const KIND = { regular: 'daily 日常', special: 'special 特殊' };
export const METHOD = { three_party: 'three-party 三方协议', bank_voucher: 'voucher 银行端凭证' };
export const ROLE = { operator: 'operator 操作员', auditor: 'auditor 审计员 · read-only 只读', staff: 'staff 税务人员' };
export const TONE = {
  accepted: 'ok', paid: 'ok', voided: 'muted', submitted: 'info', voiding: 'info', deducting: 'info', voucher_issued: 'info',
  awaiting_retry: 'warn', result_unknown: 'warn', partially_paid: 'warn', unpaid: 'warn', issued: 'info',
  rejected: 'bad', failed: 'bad', void_rejected: 'bad', cancelled: 'muted', voucher_voided: 'muted', voucher_expired: 'muted', expired: 'muted',
};
export const badge = (value, words) => h('span', { class: `badge ${TONE[value] ?? ''}` }, words?.[value] ?? value);

/** One of the guide's notices as the server words it (GET /api/console-config): the Chinese as a warning, then its English. */
export const notice = (name) => {
  const n = state.config?.notices?.[name];
  return n ? [h('p', { class: 'warn' }, n.zh), n.en] : [];
};
