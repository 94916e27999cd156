// F-4 Payments: payables, three-party and voucher payments, retries.
import { get, post } from './api.js';
import { failingNote, viewDeclaration } from './declarations.js';
import { $, $$, clock, duration, fenToYuan, formValues, h, qs, time, yuan } from './dom.js';
import { exportLinks } from './items.js';
import { canWrite, employer, employerName, state } from './state.js';
import { confirmDialog, readButton, readList, requireEmployer, retryingDialog, table, tableProblem, temporalLink, toast, writeButton } from './ui.js';
import { showTab } from './tabs.js';
import { openVoucher } from './vouchers.js';
import { badge, METHOD, notice, PAYMENT_STATUS, RUNNING_PAYMENTS } from './words.js';
import { registerTab, registerView } from './views.js';

registerView('payables', { load: () => loadPayables(), refreshedBy: ['declaration', 'payment'] });
registerView('payments', { load: () => loadPayments(), refreshedBy: ['payment', 'deduction', 'voucher'] });
registerTab('payments', { views: ['payables', 'payments'] });

export async function loadPayables() {
  state.loaded.add('payables');
  const e = employer();
  if (!e) return tableProblem($('#payables-table'), { title: 'Choose an employer first 请先选择单位' });
  let p, detail;
  try {
    [p, detail] = await Promise.all([get(`/api/employers/${encodeURIComponent(e.id)}/payables`), get(`/api/employers/${encodeURIComponent(e.id)}`)]);
  } catch (err) {
    state.payables = [];
    tableProblem($('#payables-table'), err);
    updatePayButton();
    return;
  }
  state.payables = p.payables;
  state.employerDetail = detail;
  if (state.preselectDeclaration) {
    for (const l of p.payables) if (l.declarationId === state.preselectDeclaration) state.selectedLines.add(l.lineId);
    state.preselectDeclaration = null;
  }
  for (const id of [...state.selectedLines]) if (!p.payables.some((l) => l.lineId === id)) state.selectedLines.delete(id);
  const all = h('input', { type: 'checkbox', 'aria-label': 'select all', checked: p.payables.length > 0 && p.payables.every((l) => state.selectedLines.has(l.lineId)),
    onchange: (ev) => {
      for (const l of p.payables) state.selectedLines[ev.target.checked ? 'add' : 'delete'](l.lineId);
      void loadPayables();
    } });
  table($('#payables-table'),
    [canWrite() ? all : '', 'Declaration 申报编号', 'Insurance 险种', 'Agency 经办机构', 'Period 所属期', 'Amount 应缴', 'Paid 已缴', 'Due 欠缴', 'Valid until 有效期至'],
    p.payables.map((l) => h('tr', { dataset: { lineId: l.lineId, declarationId: l.declarationId } },
      h('td', {}, canWrite() ? h('input', { type: 'checkbox', 'aria-label': l.lineId, checked: state.selectedLines.has(l.lineId), onchange: (ev) => {
        state.selectedLines[ev.target.checked ? 'add' : 'delete'](l.lineId);
        updatePayButton();
      } }) : ''),
      h('td', { class: 'mono' }, l.declarationId), h('td', {}, l.insuranceName), h('td', {}, l.agency), h('td', {}, l.period),
      h('td', { class: 'num' }, yuan(l.amountYuan)), h('td', { class: 'num' }, yuan(l.paidYuan)), h('td', { class: 'num strong' }, yuan(l.dueYuan)), h('td', {}, l.validUntil))),
    'Nothing declared is unpaid 暂无应缴费款. Refresh (刷新) if a fresh declaration is missing.');
  const form = $('#pay-form');
  const agreements = detail.agreements ?? [];
  // A refresh (an event) keeps what the operator chose.
  const [chosenAgreement, chosenAccount] = [form.agreementId.value, form.accountId.value];
  form.agreementId.replaceChildren(...(agreements.length ? agreements.map((a) =>
    h('option', { value: a.agreementId, disabled: a.status !== 'valid' }, `${a.agreementId} · ${a.bankName} ${a.account} (${a.status})`)) : [h('option', { value: '' }, 'no signed agreement 未签订三方协议')]));
  const firstValid = agreements.find((a) => a.status === 'valid');
  if (agreements.some((a) => a.agreementId === chosenAgreement && a.status === 'valid')) form.agreementId.value = chosenAgreement;
  else if (firstValid) form.agreementId.value = firstValid.agreementId;
  form.accountId.replaceChildren(h('option', { value: '' }, 'none 不指定'),
    ...(detail.accounts ?? []).map((a) => h('option', { value: a.accountId }, `${a.bankName} ${a.account} · ${a.accountName}`)),
    h('option', { value: 'typed' }, 'type one in 人工录入账户账号信息'));
  if ([...form.accountId.options].some((o) => o.value === chosenAccount)) form.accountId.value = chosenAccount;
  updatePayMethod();
  updatePayButton();
}
export function updatePayMethod() {
  const form = $('#pay-form');
  const method = form.elements.namedItem('method').value;
  for (const el of $$('[data-method]', form)) {
    el.hidden = el.dataset.method === 'typed' ? method !== 'bank_voucher' || form.accountId.value !== 'typed' : el.dataset.method !== method;
  }
}
export function updatePayButton() {
  $('#pay-form button[type=submit]').disabled = state.selectedLines.size === 0;
}

/** F-4.2–F-4.6: check the amounts, the password (asked again after 20101), then the method. */
export async function pay() {
  const e = requireEmployer();
  const form = $('#pay-form');
  const method = form.elements.namedItem('method').value;
  const lines = state.payables.filter((l) => state.selectedLines.has(l.lineId));
  const body = { lineIds: lines.map((l) => l.lineId), amountConfirmed: true, method };
  let how;
  if (method === 'three_party') {
    body.agreementId = form.agreementId.value;
    const a = state.employerDetail?.agreements?.find((x) => x.agreementId === body.agreementId);
    how = a ? `三方协议 ${a.agreementId}: ${a.bankName} ${a.account}` : 'three-party agreement';
  } else if (form.accountId.value === 'typed') {
    const v = formValues(form);
    body.account = { bankName: v.bankName, accountName: v.accountName, accountNumber: v.accountNumber };
    how = `银行端查询缴费凭证 · ${v.bankName} ${v.accountName}`;
  } else {
    if (form.accountId.value) body.account = { accountId: form.accountId.value };
    how = '银行端查询缴费凭证 bank-side voucher';
  }
  const total = lines.reduce((s, l) => s + l.dueFen, 0);
  const summary = h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, ['Insurance 险种', 'Period 所属期', 'Amount 金额'].map((c) => h('th', {}, c)))),
    h('tbody', {}, lines.map((l) => h('tr', {}, h('td', {}, l.insuranceName), h('td', {}, l.period), h('td', { class: 'num' }, yuan(l.dueYuan))))),
    h('tfoot', {}, h('tr', {}, h('td', { colspan: 2 }, 'Total 合计'), h('td', { class: 'num strong', dataset: { total: String(total) } }, yuan(fenToYuan(total))))));
  if (!(await confirmDialog('Confirm the amount 确认缴款', [...notice('amount'), summary, h('p', {}, `Method 缴费方式: ${how}`)], 'Confirm 确认缴费', { id: 'confirm-amount' }))) return;
  const started = await retryingDialog({
    id: 'payment-password',
    title: 'Security check 安全认证',
    body: [h('p', { class: 'hint' }, `${e.name}: the declaration password (申报密码).`)],
    fields: [{ name: 'password', label: 'Declaration password 申报密码', type: 'password' }],
    ok: 'OK 确定',
  }, (v) => post(`/api/employers/${encodeURIComponent(e.id)}/payments`, { ...body, password: v.password }, { idempotent: true }));
  if (!started) return;
  state.watchPayments.add(started.id);
  state.selectedLines.clear();
  toast(method === 'three_party' ? 'Deduction started 实时扣款中' : 'Issuing the voucher 缴费凭证开具中', 'ok', `payment ${started.id} · ${yuan(started.totalYuan)}`);
  await Promise.all([loadPayables(), loadPayments()]);
}

export async function loadPayments(more = false) {
  state.loaded.add('payments');
  const all = $('#payments-all').checked || !state.employerId;
  const runningOnly = $('#payments-running').checked;
  const period = $('#payments-period').validity.valid ? $('#payments-period').value.trim() : '';
  const filters = { employerId: all ? '' : state.employerId, period };
  exportLinks('payments-export', '/api/payments/export', filters);
  await readList('#payments-table', `/api/payments?${qs(filters)}`, { list: 'payments', more });
  const shown = state.pages.payments.filter((p) => !runningOnly || RUNNING_PAYMENTS.includes(p.status) || state.watchPayments.has(p.id) || Date.now() - Date.parse(p.updatedAt) < 120_000);
  table($('#payments-table'),
    ['Payment 缴费编号', all ? 'Employer 单位' : null, 'Period 所属期', 'Declarations 申报', 'Method 方式', 'Total 金额', 'Status 状态', 'Attempts 扣款', 'Next retry 下次重试', 'Voucher 凭证', ''],
    shown.map((p) => {
      const last = p.attempts.at(-1);
      return h('tr', { dataset: { paymentId: p.id, status: p.status, attempts: String(p.attempts.length) }, class: p.id === state.highlightPayment ? 'current' : '' },
        h('td', { class: 'mono' }, p.id, h('div', {}, temporalLink(p.workflowId))), all ? h('td', {}, employerName(p.employerId)) : null, h('td', { class: 'nowrap' }, p.periods.join(' ')),
        h('td', { class: 'small' }, [...new Set(p.lines.map((l) => l.declarationId))].map((id) => readButton(id, 'view-payment-declaration', () => viewDeclaration(id)))),
        h('td', { class: 'nowrap' }, METHOD[p.method] ?? p.method), h('td', { class: 'num' }, yuan(p.totalYuan)),
        h('td', {}, badge(p.status, PAYMENT_STATUS), p.reason && p.status !== 'paid' ? h('div', { class: 'small muted' }, p.reason) : null, failingNote(p.lastError)),
        h('td', { class: 'small' }, p.method === 'three_party' ? [`${p.attempts.length}×`, last ? ` · last 最近: ${last.outcome}${last.code ? ` ${last.code}` : ''} ${clock(last.at)}` : ''] : ''),
        h('td', { class: 'nowrap' }, p.nextRetryAt && p.status === 'awaiting_retry' ? [time(p.nextRetryAt), h('div', { class: 'small muted', dataset: { until: p.nextRetryAt } }, countdown(p.nextRetryAt))] : ''),
        h('td', {}, p.voucher ? [readButton(p.voucher.voucherNumber, 'view-payment-voucher', () => openVoucher(p.voucher.id)), ' ', p.voucher.pdf ? h('a', { href: p.voucher.pdf, target: '_blank', rel: 'noopener' }, 'PDF') : '',
          h('div', { class: 'small muted' }, `pay by 限缴日期 ${p.voucher.deadline}`)] : ''),
        h('td', { class: 'actions' }, p.status === 'awaiting_retry' ? [
          writeButton('Retry now 立即重试', 'retry-payment', async () => {
            if (await retryDeduction(p.id, p.nextRetryAt)) await loadPayments();
          }),
          writeButton('Cancel 取消', 'cancel-payment', async () => {
            if (await cancelPayment(p.id)) await Promise.all([loadPayments(), loadPayables()]);
          }, { class: 'danger' }),
        ] : null));
    }), runningOnly ? 'No running payments 暂无进行中的缴费' : 'No payments 暂无缴费记录');
  $('#payments-table tr.current')?.scrollIntoView({ block: 'center' });
}
/** A payment shown among the employer's payments, whatever its state (from its voucher). */
export async function openPayment(id) {
  state.highlightPayment = id;
  $('#payments-running').checked = false;
  await showTab('payments');
}
/**
 * F-4.7: a deduction tried again at once, after a warning: a try that fails again (the account not
 * topped up yet) counts like any other and puts the next one further off. True when it was sent.
 */
export async function retryDeduction(id, nextRetryAt) {
  const ok = await confirmDialog('Retry the deduction now? 立即重试扣款？', [
    'Only once the account has been topped up 请先确认账户余额充足: a try that fails again counts as one of the retries, and the next one comes later.',
    nextRetryAt ? `Otherwise the next try comes by itself ${countdown(nextRetryAt)} (${time(nextRetryAt)}).` : '',
  ].filter(Boolean), 'Retry now 立即重试', { id: 'confirm-retry' });
  if (!ok) return false;
  state.watchPayments.add(id);
  const p = await post(`/api/payments/${encodeURIComponent(id)}/retry`);
  toast('Retrying the deduction now 正在重新扣款', 'ok', `${id}: ${PAYMENT_STATUS[p.status] ?? p.status}; the outcome shows here as it comes`);
  return true;
}
/** Stops a payment's retries after a confirmation; its lines can be paid again. True when cancelled. */
export async function cancelPayment(id) {
  if (!(await confirmDialog('Cancel this payment? 取消该缴费？', [`${id}: stop retrying; its lines can be paid again.`], 'Cancel payment 取消缴费', { danger: true, cancel: 'Keep 保留', id: 'confirm-cancel-payment' }))) return false;
  await post(`/api/payments/${encodeURIComponent(id)}/cancel`);
  toast('Payment cancelled 已取消缴费', 'ok', id);
  return true;
}
export function countdown(iso) {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  return s <= 0 ? 'due now 即将重试' : `in 还有 ${duration(s)}`;
}
