// Batch declarations 批量申报: progress and the report per employer.
import { get, post } from './api.js';
import { $, formValues, h, time, yuan } from './dom.js';
import { confirmHeadcount, progressText } from './schedules.js';
import { state } from './state.js';
import { showTab } from './tabs.js';
import { readButton, readList, requireEmployer, table, temporalLink, toast } from './ui.js';
import { badge, DECLARATION_STATUS, EXCLUSION_REASON, TONE } from './words.js';
import { registerView } from './views.js';

registerView('batches', { load: () => loadBatches(), refreshedBy: ['declaration', 'declaration_batch'] });

export const BATCH_ENTRY = { pending: 'pending 待处理', declaring: 'declaring 申报中', done: 'done 已完成', skipped: 'skipped 已跳过', failed: 'failed 出错' };
Object.assign(TONE, { running: 'info', completed: 'ok', done: 'ok', declaring: 'info', pending: 'muted', skipped: 'muted', started: 'info' });

export async function loadBatches(more = false) {
  state.loaded.add('batches');
  await readList('#batches-table', '/api/declaration-batches?limit=50', { list: 'batches', more });
  table($('#batches-table'), ['Batch 批次', 'Period 所属期', 'Status 状态', 'Employers 单位', 'Progress 进度', 'Started 开始', 'Finished 结束', ''],
    state.pages.batches.map((b) => h('tr', { dataset: { batchId: b.id, status: b.status }, class: b.id === state.batchId ? 'current' : '' },
      h('td', { class: 'mono' }, b.id), h('td', {}, b.period), h('td', {}, badge(b.status)), h('td', { class: 'num' }, b.allEmployers ? `${b.total} (all 全部)` : b.total),
      h('td', { class: 'small' }, progressText(b.progress)), h('td', { class: 'nowrap' }, time(b.createdAt), h('div', { class: 'small muted' }, b.createdBy)),
      h('td', { class: 'nowrap' }, time(b.finishedAt)),
      h('td', { class: 'actions' }, readButton('Report 报告', 'view-batch', () => showBatch(b.id)), temporalLink(b.workflowId)))),
    'No batches 暂无批量申报');
  if (state.batchId) await showBatch(state.batchId);
}
export async function showBatch(id) {
  state.batchId = id;
  const b = await get(`/api/declaration-batches/${encodeURIComponent(id)}`);
  $('#batch-detail').hidden = false;
  $('#batch-detail').dataset.batchId = id;
  $('#batch-detail').dataset.status = b.status;
  $('#batch-detail').dataset.concurrency = b.concurrency;
  $('#batch-title').textContent = `Batch 批次 ${b.id} · ${b.period} · ${b.status === 'running' ? 'running 进行中' : 'completed 已完成'} · concurrency 并发 ${b.concurrency}`;
  const finished = b.progress.done + b.progress.skipped + b.progress.failed;
  $('#batch-progress').dataset.state = b.status === 'running' ? 'loading' : 'done';
  $('#batch-progress .bar span').style.width = `${Math.round((finished / Math.max(1, b.progress.total)) * 100)}%`;
  $('#batch-progress p').textContent = progressText(b.progress);
  table($('#batch-employers-table'), ['#', 'Employer 单位', 'Taxpayer ID 纳税人识别号', 'Status 状态', 'Declaration 申报', 'Amount 金额', 'Why 原因', 'Updated 更新'],
    b.employers.map((e) => h('tr', { dataset: { employerId: e.employerId, status: e.status } },
      h('td', { class: 'num' }, e.n + 1), h('td', {}, e.name), h('td', { class: 'mono' }, e.taxpayerId), h('td', {}, badge(e.status, BATCH_ENTRY)),
      h('td', {}, e.declaration ? [h('span', { class: 'mono' }, e.declaration.id), ' ', badge(e.declaration.status, DECLARATION_STATUS), e.declaration.serial ? h('div', { class: 'small muted' }, e.declaration.serial) : null] : ''),
      h('td', { class: 'num' }, e.declaration ? yuan(e.declaration.totalYuan) : ''),
      h('td', { class: 'small' }, e.declaration?.reason ?? '', e.reason ? [h('code', {}, e.reason.code), ' ', e.reason.message, ...e.reason.excluded.map((x) => h('div', { class: 'muted', title: x.itemId }, `${EXCLUSION_REASON[x.reason] ?? x.reason}: ${x.explanation}`))] : ''),
      h('td', { class: 'nowrap' }, time(e.updatedAt)))),
    'No employers 无单位');
}
export async function openBatch(id) {
  state.batchId = id;
  await showTab('batches');
}
export async function startBatch(form) {
  const v = formValues(form);
  const ids = v.scope === 'current' ? [requireEmployer().id] : null;
  if (!(await confirmHeadcount())) return;
  const b = await post('/api/declaration-batches', {
    period: v.period, headcountConfirmed: true, ...(ids ? { employerIds: ids } : {}), ...(v.concurrency ? { concurrency: Number(v.concurrency) } : {}),
  }, { idempotent: true });
  toast('Batch started 批量申报已开始', 'ok', `${b.id}: ${b.total} employer(s)`);
  state.batchId = b.id;
  await loadBatches();
}
