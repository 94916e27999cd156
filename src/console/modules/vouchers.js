// F-4.8 Voucher print records.
import { post } from './api.js';
import { $, h, time, yuan } from './dom.js';
import { employer, state } from './state.js';
import { openPayment } from './payments.js';
import { showTab } from './tabs.js';
import { confirmDialog, readButton, readList, table, tableProblem, toast, writeButton } from './ui.js';
import { badge, VOUCHER_STATUS } from './words.js';
import { registerView } from './views.js';

registerView('vouchers', { load: () => loadVouchers(), refreshedBy: ['payment', 'voucher'] });

export async function loadVouchers() {
  state.loaded.add('vouchers');
  const e = employer();
  if (!e) return tableProblem($('#vouchers-table'), { title: 'Choose an employer first 请先选择单位' });
  const data = await readList('#vouchers-table', `/api/employers/${encodeURIComponent(e.id)}/vouchers`);
  table($('#vouchers-table'),
    ['Voucher 凭证序号', 'Payment 缴费', 'Status 状态', 'Amount 金额', 'Issued 填开日期', 'Deadline 限缴日期', 'Account 账户', 'Prints 打印次数', 'Print error 打印错误', 'File', ''],
    data.vouchers.map((v) => h('tr', { dataset: { voucherId: v.id, status: v.status }, class: v.id === state.highlightVoucher ? 'current' : '' },
      h('td', { class: 'mono' }, v.voucherNumber), h('td', {}, readButton(v.paymentId, 'view-voucher-payment', () => openPayment(v.paymentId))), h('td', {}, badge(v.status, VOUCHER_STATUS)), h('td', { class: 'num' }, yuan(v.amountYuan)),
      h('td', { class: 'nowrap' }, time(v.issuedAt)), h('td', {}, v.deadline), h('td', {}, [v.bankName, v.account].filter(Boolean).join(' ')), h('td', { class: 'num' }, v.printCount),
      h('td', { class: 'small problem' }, v.lastPrintError ?? ''), h('td', {}, v.pdf ? h('a', { href: v.pdf, target: '_blank', rel: 'noopener' }, 'PDF') : ''),
      h('td', { class: 'actions' }, v.status === 'issued' ? [
        writeButton('Reprint 补打', 'reprint-voucher', async () => {
          const r = await post(`/api/vouchers/${encodeURIComponent(v.id)}/reprint`);
          if (r.printed === false) toast('The print failed again 打印失败', 'error', r.lastPrintError ?? '');
          else toast('Printed again 补打成功', 'ok', v.voucherNumber);
          await loadVouchers();
        }),
        writeButton('Void 作废', 'void-voucher', async () => {
          if (!(await confirmDialog('Void this voucher? 是否作废该凭证？', [`${v.voucherNumber} · ${yuan(v.amountYuan)}: its fees can be paid again.`], 'Void 作废', { danger: true }))) return;
          await post(`/api/vouchers/${encodeURIComponent(v.id)}/void`);
          toast('Voucher voided 凭证已作废', 'ok', v.voucherNumber);
          await loadVouchers();
        }, { class: 'danger' }),
      ] : null))),
    'No vouchers 暂无缴费凭证');
  $('#vouchers-table tr.current')?.scrollIntoView({ block: 'center' });
}
/** A voucher shown among the employer's vouchers (from its payment). */
export async function openVoucher(id) {
  state.highlightVoucher = id;
  await showTab('vouchers');
}
