// The attention list 待办: what must be acted on, across all employers, most urgent first.
import { get, post } from './api.js';
import { goPay } from './declarations.js';
import { $, day, h, qs, time } from './dom.js';
import { cancelPayment, countdown, retryDeduction } from './payments.js';
import { employerName, state } from './state.js';
import { chooseEmployer, remember, showTab } from './tabs.js';
import { act, readButton, readList, table, toast, writeButton } from './ui.js';
import { badge, TONE } from './words.js';
import { registerTab, registerView } from './views.js';

registerView('attention', { load: () => loadAttention(), refreshedBy: ['declaration', 'declaration_schedule', 'payment', 'deduction', 'voucher'] });
registerTab('attention', { acrossEmployers: true });

export const ATTENTION_KIND = {
  payment_awaiting_retry: 'payment awaiting retry 扣款待重试',
  payment_failed: 'payment failed 缴费失败',
  declaration_rejected: 'declaration rejected 申报失败',
  declaration_result_unknown: 'result unknown 申报结果未知',
  unpaid_near_deadline: 'unpaid, deadline near 临近限缴期未缴',
  voucher_expiring: 'voucher expiring 凭证将过期',
  voucher_print_failed: 'voucher print failed 凭证打印失败',
  activity_failing: 'workflow step failing 工作流步骤失败',
  schedule_run_failed: 'schedule run failed 申报计划运行失败',
};
Object.assign(TONE, { payment_awaiting_retry: 'warn', payment_failed: 'bad', declaration_rejected: 'bad', schedule_run_failed: 'bad', activity_failing: 'bad', voucher_print_failed: 'bad', unpaid_near_deadline: 'warn', voucher_expiring: 'warn', declaration_result_unknown: 'warn' });

export async function loadAttention() {
  state.loaded.add('attention');
  const data = await readList('#attention-table', `/api/attention?${qs({ kind: state.attentionKind })}`);
  const total = Object.values(data.counts).reduce((a, b) => a + b, 0);
  $('#attention-total').textContent = total ? String(total) : '';
  $('#attention-counts').replaceChildren(...Object.entries(data.counts).filter(([kind, n]) => n > 0 || kind === state.attentionKind).map(([kind, n]) =>
    h('button', { type: 'button', class: `chip ${TONE[kind] ?? ''} ${kind === state.attentionKind ? 'active' : ''}`, dataset: { kind, count: n }, onclick: () => {
      state.attentionKind = state.attentionKind === kind ? '' : kind;
      return act(null, loadAttention);
    } }, ATTENTION_KIND[kind] ?? kind, ' ', h('b', {}, n))));
  table($('#attention-table'), ['Kind 类型', 'Employer 单位', 'What 情况', 'Since 起始', 'Deadline 期限', ''],
    data.items.map((i) => h('tr', { dataset: { kind: i.kind, subjectType: i.subject.type, subjectId: i.subject.id } },
      h('td', {}, badge(i.kind, ATTENTION_KIND)), h('td', {}, i.employerId ? employerName(i.employerId) : h('span', { class: 'muted' }, '—')),
      h('td', {}, i.detail, i.nextRetryAt ? h('div', { class: 'small muted', dataset: { until: i.nextRetryAt } }, countdown(i.nextRetryAt)) : null),
      h('td', { class: 'nowrap' }, time(i.since)), h('td', { class: 'nowrap' }, day(i.deadline)),
      h('td', { class: 'actions' }, attentionActions(i)))),
    state.attentionKind ? 'Nothing of this kind 暂无此类待办' : 'Nothing needs attention 暂无待办 ✓');
}
/** An item's next step: a POST as a (write) button; a GET opens where the operator acts (the console's own view, or the file). */
export function attentionActions(i) {
  const { label, method, path } = i.action;
  // The text offers both: retry (with its warning) or cancel.
  if (i.kind === 'payment_awaiting_retry') return [
    writeButton(label, 'attention-action', async () => {
      if (await retryDeduction(i.subject.id, i.nextRetryAt)) await loadAttention();
    }),
    writeButton('Cancel payment 取消缴费', 'attention-cancel', async () => {
      if (await cancelPayment(i.subject.id)) await loadAttention();
    }, { class: 'danger' }),
  ];
  const done = async () => {
    toast('Done 已执行', 'ok', `${label}: ${i.subject.id}`);
    await loadAttention();
  };
  if (method === 'POST') return writeButton(label, 'attention-action', async () => {
    if (i.subject.type === 'payment') state.watchPayments.add(i.subject.id);
    await post(path);
    await done();
  });
  if (path.endsWith('/payables')) return readButton(label, 'attention-action', () => goPay(i.employerId));
  if (i.subject.type === 'declaration') return readButton(label, 'attention-action', () => openOnTab(i.employerId, 'declarations'));
  return h('a', { href: path, target: '_blank', rel: 'noopener', class: 'button small', dataset: { action: 'attention-action' } }, label);
}
/** Shows a tab with the item's employer in context (it may be one the console has not listed yet). */
export async function openOnTab(employerId, tab) {
  if (employerId && !state.employers.some((e) => e.id === employerId)) remember([await get(`/api/employers/${encodeURIComponent(employerId)}`)]);
  if (employerId && employerId !== state.employerId) {
    state.tab = tab;
    chooseEmployer(employerId);
  } else await showTab(tab);
}
