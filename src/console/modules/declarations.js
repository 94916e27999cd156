// F-5 Declaration records, fetch now, void.
import { get, post } from './api.js';
import { $, clock, formValues, h, qs, resultWait, time, yuan } from './dom.js';
import { exportLinks } from './items.js';
import { canWrite, employerName, state } from './state.js';
import { chooseEmployer, showTab } from './tabs.js';
import { confirmDialog, dialog, readButton, readList, table, temporalLink, toast, writeButton } from './ui.js';
import { badge, DECLARATION_STATUS, KIND, notice, PAID_STATUS } from './words.js';
import { registerView } from './views.js';

registerView('declarations', { load: () => loadDeclarations(), refreshedBy: ['declaration', 'declaration_batch', 'payment'] });

export async function loadDeclarations(more = false) {
  state.loaded.add('declarations');
  const v = formValues($('#declarations-filter'));
  const all = $('#declarations-filter [name=allEmployers]').checked || !state.employerId;
  const filters = { employerId: all ? '' : state.employerId, status: v.status, period: v.period, declaredFrom: v.declaredFrom, declaredTo: v.declaredTo };
  exportLinks('declarations-export', '/api/declarations/export', filters);
  const data = await readList('#declarations-table', `/api/declarations?${qs(filters)}`, { list: 'declarations', more });
  $('#pay-now-banner').hidden = !data.payNowPrompt;
  table($('#declarations-table'),
    ['Declaration 申报编号', all ? 'Employer 单位' : null, 'Period 所属期', 'Kind 类型', 'Status 状态', 'Payment 缴费状态', 'Total 金额', 'Declared 申报时间', 'Result 结果', 'Workflow', ''],
    state.pages.declarations.map((d) => h('tr', { dataset: { declarationId: d.id, status: d.status, paymentStatus: d.paymentStatus } },
      h('td', { class: 'mono' }, d.id), all ? h('td', {}, employerName(d.employerId)) : null, h('td', { class: 'nowrap' }, d.periods.join(' ')), h('td', { class: 'nowrap' }, KIND[d.kind] ?? d.kind),
      h('td', {}, badge(d.status, DECLARATION_STATUS)), h('td', {}, ['accepted', 'voiding', 'void_rejected'].includes(d.status) ? badge(d.paymentStatus, PAID_STATUS) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'num' }, yuan(d.totalYuan)), h('td', { class: 'nowrap' }, time(d.declaredAt)),
      h('td', { class: 'small' }, d.result ? [d.result.serial ? h('span', { class: 'mono' }, d.result.serial) : '', d.result.reason ? ` ${d.result.reason}` : ''] : h('span', { class: 'muted' }, `within ${resultWait()}内`)),
      h('td', {}, temporalLink(d.workflowId)),
      h('td', { class: 'actions' },
        readButton('View 查看', 'view-declaration', () => viewDeclaration(d.id)),
        ['submitted', 'result_unknown'].includes(d.status) ? writeButton('Fetch now 立即获取', 'fetch-result', () => fetchResult(d.id)) : null,
        d.actions.includes('pay') ? writeButton('Pay 缴费', 'pay-declaration', () => goPay(d.employerId, d.id)) : null,
        d.actions.includes('void') ? writeButton('Void 作废', 'void', () => voidDeclaration(d), { class: 'danger' }) : null,
        d.status === 'voiding' ? writeButton('Fetch void result 立即获取', 'void-fetch-result', () => fetchVoidResult(d.id)) : null))),
    'No declaration records 暂无申报记录');
  // Results that came while the page was not listening (or before its stream opened).
  for (const d of data.declarations) {
    if (state.watchDeclarations.get(d.id) === 'result' && !['submitted'].includes(d.status)) {
      state.watchDeclarations.delete(d.id);
      void declarationDecided(d.id);
    }
  }
}

/** A step failing again and again while it is retried (lastError): shown so nobody waits on it unaware. */
export function failingNote(e) {
  if (!e) return null;
  return h('div', { class: e.attempts >= 5 ? 'problem small' : 'small muted', dataset: { failing: String(e.attempts) } },
    `${e.attempts >= 5 ? '⚠ ' : ''}${e.activity} failed ${e.attempts}× 重试中, last at ${clock(e.at)}: ${e.message}`);
}

export async function viewDeclaration(id) {
  const d = await get(`/api/declarations/${encodeURIComponent(id)}`);
  await dialog({
    id: 'view-declaration',
    title: `Declaration 申报 ${d.id}`,
    body: [
      h('p', {}, badge(d.status, DECLARATION_STATUS), ' ', badge(d.paymentStatus, PAID_STATUS), ` ${KIND[d.kind]} · ${employerName(d.employerId)} · by ${d.declaredBy} at ${time(d.declaredAt)} `, temporalLink(d.workflowId)),
      d.result?.reason ? h('p', { class: 'problem' }, d.result.reason) : null,
      failingNote(d.lastError),
      h('table', { class: 'compact' },
        h('thead', {}, h('tr', {}, ['Insurance 险种', 'Agency 经办机构', 'Period 所属期', 'Headcount 人数', 'Amount 金额', 'Paid 已缴'].map((c) => h('th', {}, c)))),
        h('tbody', {}, d.items.map((l) => h('tr', {}, h('td', {}, l.insuranceName), h('td', {}, l.agency), h('td', {}, l.period), h('td', { class: 'num' }, l.headcount), h('td', { class: 'num' }, yuan(l.amountYuan)), h('td', { class: 'num' }, yuan(l.paidYuan)))))),
    ].filter(Boolean),
    ok: 'Close 关闭',
    cancel: null,
  });
}

/** F-2.6 立即获取 */
export async function fetchResult(id) {
  state.watchDeclarations.set(id, 'result');
  const d = await post(`/api/declarations/${encodeURIComponent(id)}/fetch-result`);
  if (d.status === 'submitted') {
    toast('The result is not there yet 暂未获取到申报结果', 'warn', d.resultFetched === false ? 'the bureau is still deciding; it comes by itself' : 'the bureau says pending; it is asked again by itself');
  }
  await loadDeclarations();
}

/** A declaration this operator submitted got its result: F-2.7 asks "pay now?". */
export async function declarationDecided(id) {
  const d = await get(`/api/declarations/${encodeURIComponent(id)}`).catch(() => null);
  if (!d) return;
  if (d.status === 'rejected') return void toast('The declaration was rejected 申报失败', 'error', `${d.id}: ${d.result?.reason ?? ''}`);
  if (d.status === 'result_unknown') return void toast('No result from the bureau yet 结果未知', 'warn', `${d.id}: fetch it later (立即获取)`);
  if (d.status !== 'accepted') return;
  toast('The declaration was accepted 获取申报结果成功', 'ok', `${d.id}: serial ${d.result?.serial ?? ''}`);
  if (d.payNowPrompt && canWrite()) {
    const yes = await confirmDialog('Pay now? 是否立即缴费？', [...notice('payNow'), 'OK goes to the payment; Cancel ends the declaration as successful.'], 'Pay now 立即缴费', { id: 'pay-now' });
    if (yes) await goPay(d.employerId, d.id);
    else toast('Declared successfully 申报成功', 'ok', d.id);
  }
}

/** F-5.3: "void this record?", then the result within RESULT_WAIT_SECONDS or at once. */
export async function voidDeclaration(d) {
  if (!(await confirmDialog('Void this record? 是否作废该记录？', [`${d.id} · ${KIND[d.kind]} · ${yuan(d.totalYuan)} · ${employerName(d.employerId)}`], 'Void 作废', { danger: true, id: 'confirm-void' }))) return;
  state.watchDeclarations.set(d.id, 'void');
  await post(`/api/declarations/${encodeURIComponent(d.id)}/void`, undefined, { idempotent: true });
  toast('Void submitted 作废已提交', 'ok', `${d.id}: the result comes within ${resultWait()}, or fetch it now (立即获取)`);
  await loadDeclarations();
}
export async function fetchVoidResult(id) {
  state.watchDeclarations.set(id, 'void');
  const d = await post(`/api/declarations/${encodeURIComponent(id)}/void/fetch-result`);
  if (d.status === 'voiding') toast('The void result is not there yet 暂未获取到作废结果', 'warn', 'it comes by itself');
  await loadDeclarations();
}

export async function goPay(employerId, declarationId) {
  if (employerId !== state.employerId) chooseEmployer(employerId);
  state.selectedLines.clear();
  state.preselectDeclaration = declarationId ?? null;
  await showTab('payments');
}
