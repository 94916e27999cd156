// F-2, F-3 Fee items and declaring.
/* global setInterval, clearInterval, performance, TextDecoder, Blob */
import { get, post } from './api.js';
import { openOnTab } from './attention.js';
import { $, fenToYuan, formValues, h, qs, resultWait, yuan } from './dom.js';
import { canWrite, employer, state } from './state.js';
import { showTab } from './tabs.js';
import { confirmDialog, readButton, requireEmployer, table, tableProblem, toast } from './ui.js';
import { badge, EXCLUSION_REASON, KIND, notice } from './words.js';
import { registerTab } from './views.js';

registerTab('items', { load: () => (employer() && (!state.items || state.items.employerId !== state.employerId) ? downloadItems() : undefined) });

export function itemFilter() {
  const v = formValues($('#items-filter'));
  return { kind: v.kind, unitNumber: v.unitNumber, agency: v.agency, period: v.period };
}
/** Points the CSV and XLSX links `#<prefix>-csv`, `#<prefix>-xlsx` at `path` with the list's filters (no link without a path). */
export function exportLinks(prefix, path, filters) {
  for (const format of ['csv', 'xlsx']) {
    const a = $(`#${prefix}-${format}`);
    if (path) a.href = `${path}?${qs({ ...filters, format })}`;
    else a.removeAttribute('href');
  }
}
export function updateExportLinks() {
  const e = employer();
  exportLinks('export', e && `/api/employers/${encodeURIComponent(e.id)}/fee-items/export`, itemFilter());
}

/** F-2.1: downloads the items with a progress indicator (预处理信息下载进度). */
export async function downloadItems() {
  const e = requireEmployer();
  updateExportLinks();
  const box = $('#items-progress');
  const bar = $('.bar span', box);
  const text = $('p', box);
  box.hidden = false;
  box.dataset.state = 'loading';
  bar.className = 'indeterminate';
  bar.style.width = '';
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  text.textContent = 'Downloading the assessed fee items from the bureau 预处理信息下载进度… 0.0 s';
  const ticker = setInterval(() => (text.textContent = `Downloading the assessed fee items from the bureau 预处理信息下载进度… ${seconds()} s`), 100);
  try {
    const res = await get(`/api/employers/${encodeURIComponent(e.id)}/fee-items?${qs(itemFilter())}`, { raw: true });
    const total = Number(res.headers.get('content-length')) || 0;
    const reader = res.body.getReader();
    const chunks = [];
    let received = 0;
    bar.className = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      bar.style.width = total ? `${Math.round((received / total) * 100)}%` : '90%';
    }
    const data = JSON.parse(new TextDecoder().decode(await new Blob(chunks).arrayBuffer()));
    clearInterval(ticker);
    bar.style.width = '100%';
    box.dataset.state = 'done';
    text.textContent = `Downloaded 下载完成: ${data.downloaded} items in ${seconds()} s, ${data.items.length} declarable, ${data.excluded.length} not.`;
    state.items = data;
    state.selectedItems.clear();
    renderItems();
  } catch (err) {
    clearInterval(ticker);
    box.dataset.state = 'failed';
    bar.style.width = '0';
    text.textContent = `The download failed 下载失败: ${err.title ?? ''} ${err.detail ?? err.message ?? ''}`;
    state.items = null;
    renderItems(err);
    throw err;
  }
}

export function renderItems(err) {
  const data = state.items;
  if (err) {
    tableProblem($('#items-table'), err);
    $('#excluded-table').replaceChildren();
    $('#items-summary').textContent = '';
    updateDeclareButton();
    return;
  }
  if (!data) return;
  const all = h('input', { type: 'checkbox', 'aria-label': 'select all', dataset: { action: 'select-all-items' },
    checked: data.items.length > 0 && data.items.every((i) => state.selectedItems.has(i.itemId)),
    onchange: (ev) => {
      for (const i of data.items) state.selectedItems[ev.target.checked ? 'add' : 'delete'](i.itemId);
      renderItems();
    } });
  table($('#items-table'),
    [canWrite() ? all : '', 'Insurance 险种', 'Unit 单位编号', 'Agency 社保经办机构', 'Period 费款所属期', 'Headcount 缴费人数', 'Base 缴费基数', 'Employer 单位', 'Employee 个人', 'Amount 应缴金额', 'Order 征集单号', 'Valid until 有效期至'],
    data.items.map((i) => h('tr', { dataset: { itemId: i.itemId } },
      h('td', {}, canWrite() ? h('input', { type: 'checkbox', checked: state.selectedItems.has(i.itemId), 'aria-label': i.itemId, onchange: (ev) => {
        state.selectedItems[ev.target.checked ? 'add' : 'delete'](i.itemId);
        updateDeclareButton();
      } }) : ''),
      h('td', {}, i.insuranceName), h('td', { class: 'mono' }, i.unitNumber), h('td', {}, i.agency), h('td', {}, i.period), h('td', { class: 'num' }, i.headcount),
      h('td', { class: 'num' }, yuan(i.baseYuan)), h('td', { class: 'num' }, yuan(i.employerYuan)), h('td', { class: 'num' }, yuan(i.employeeYuan)),
      h('td', { class: 'num strong' }, yuan(i.amountYuan)), h('td', { class: 'mono' }, i.collectionOrder), h('td', {}, i.validUntil))),
    'No declarable items 暂无可申报的应征费款: see why below, or refresh (刷新).');
  table($('#excluded-table'), ['Insurance 险种', 'Period 所属期', 'Amount 金额', 'Reason 原因', 'What to do 说明', ''],
    data.excluded.map((x) => h('tr', { dataset: { itemId: x.itemId, reason: x.reason }, title: x.itemId },
      h('td', {}, x.item.insuranceName), h('td', {}, x.item.period), h('td', { class: 'num' }, yuan(x.item.amountYuan)),
      h('td', {}, badge(x.reason, EXCLUSION_REASON)), h('td', {}, x.explanation),
      h('td', { class: 'actions' }, x.reason === 'ALREADY_DECLARED' ? readButton('Its declaration 查看申报记录', 'open-declarations', () => openOnTab(state.employerId, 'declarations')) : ''))),
    'None 无');
  updateDeclareButton();
}
export function updateDeclareButton() {
  const data = state.items;
  const chosen = data ? data.items.filter((i) => state.selectedItems.has(i.itemId)) : [];
  const total = chosen.reduce((s, i) => s + i.amountFen, 0);
  $('#items-summary').textContent = data
    ? `${data.items.length} items 条 · total 合计 ${yuan(fenToYuan(data.items.reduce((s, i) => s + i.amountFen, 0)))} · selected 已选 ${chosen.length} · ${yuan(fenToYuan(total))}`
    : '';
  $('[data-action=declare]').disabled = chosen.length === 0;
}

/** F-2.4, F-2.5: the headcount warning, the confirmation page, submit now. */
export async function declare() {
  const e = requireEmployer();
  const chosen = state.items.items.filter((i) => state.selectedItems.has(i.itemId));
  if (!(await confirmDialog('Check the headcount 核对缴费人数', notice('headcount'), 'OK 确定', { id: 'headcount' }))) return;
  const total = chosen.reduce((s, i) => s + i.amountFen, 0);
  const summary = h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, ['Insurance 险种', 'Period 所属期', 'Headcount 人数', 'Amount 金额'].map((c) => h('th', {}, c)))),
    h('tbody', {}, chosen.map((i) => h('tr', {}, h('td', {}, i.insuranceName), h('td', {}, i.period), h('td', { class: 'num' }, i.headcount), h('td', { class: 'num' }, yuan(i.amountYuan))))),
    h('tfoot', {}, h('tr', {}, h('td', { colspan: 3 }, 'Total 合计'), h('td', { class: 'num strong' }, yuan(fenToYuan(total))))));
  const kind = state.items.kind;
  if (!(await confirmDialog(`Confirm the declaration 提交申报确认 · ${KIND[kind]}`, [`${e.name} (${e.taxpayerId}) declares ${chosen.length} items:`, summary], 'Submit now 立即提交', { id: 'confirm-declaration' }))) return;
  const d = await post(`/api/employers/${encodeURIComponent(e.id)}/declarations`, { kind, itemIds: chosen.map((i) => i.itemId), headcountConfirmed: true }, { idempotent: true });
  state.watchDeclarations.set(d.id, 'result');
  state.selectedItems.clear();
  toast('Submitted 提交成功', 'ok', `declaration ${d.id}: the result comes within ${resultWait()} by itself, or fetch it now (立即获取) in the records.`);
  await showTab('declarations');
  await downloadItems().catch(() => undefined);
}
