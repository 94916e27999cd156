// Auditor tools: workflows, history export, replay, the audit log and its verification.
/* global CSS */
import { get, post } from './api.js';
import { $, fenToYuan, formValues, h, qs, time, yuan } from './dom.js';
import { state } from './state.js';
import { readButton, readList, table, temporalLink, toast } from './ui.js';
import { badge } from './words.js';
import { registerTab, registerView } from './views.js';

registerView('workflows', { load: () => loadWorkflows(), refreshedBy: ['*', 'workflow', 'reconciliation'] });
registerView('auditLog', { load: () => loadAuditLog(), refreshedBy: ['*', 'workflow', 'reconciliation'] });
registerTab('audit', { views: ['workflows', 'auditLog'], acrossEmployers: true });

export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const k of keys) if (Array.isArray(data?.[k])) return data[k];
  return [];
}
export async function loadWorkflows() {
  state.loaded.add('workflows');
  const v = formValues($('#workflows-filter'));
  const mine = $('#workflows-filter [name=currentEmployer]').checked;
  const routine = $('#workflows-filter [name=routine]').checked;
  const data = await readList('#workflows-table', `/api/workflows?${qs({ type: v.type, status: v.status, period: v.period, businessStatus: v.businessStatus, employerId: mine ? state.employerId : '', routine })}`);
  state.workflows = listOf(data, 'workflows', 'executions', 'items');
  table($('#workflows-table'), ['Workflow ID', 'Type 类型', 'Status 状态', 'Business 业务状态', 'Started 开始', 'Closed 结束', 'History 历史', 'Replay 重放', ''],
    state.workflows.map((w) => {
      const id = w.workflowId ?? w.id;
      const result = h('span', { class: 'replay-result' });
      return h('tr', { dataset: { workflowId: id, status: w.status ?? '' } },
        h('td', { class: 'mono' }, id, w.parentWorkflowId ? h('div', { class: 'small muted' }, `child of ${w.parentWorkflowId}`) : null),
        h('td', { title: w.type ?? '' }, String(w.type ?? w.workflowType ?? '').replace(/Workflow$/, '')), h('td', {}, badge(w.status ?? '')),
        h('td', {}, w.businessStatus ? badge(w.businessStatus) : ''),
        h('td', { class: 'nowrap' }, time(w.startTime ?? w.startedAt)), h('td', { class: 'nowrap' }, time(w.closeTime ?? w.closedAt)),
        h('td', { class: 'nowrap' }, h('a', { href: w.historyUrl ?? `/api/workflows/${encodeURIComponent(id)}/history`, download: `${id}.json`, dataset: { action: 'export-history' } }, 'Export ⤓ JSON')),
        h('td', { class: 'nowrap' }, readButton('Replay 重放', 'replay', async () => showReplay(await replay([id]))), ' ', result),
        h('td', {}, w.temporalUiUrl ? h('a', { href: w.temporalUiUrl, target: '_blank', rel: 'noopener', class: 'temporal' }, 'Temporal ↗') : temporalLink(id)));
    }), 'No workflows 暂无工作流');
}
export async function replay(workflowIds) {
  const data = await post('/api/audit/replay', workflowIds ? { workflowIds } : {});
  return listOf(data, 'results');
}
export function showReplay(results) {
  for (const r of results) {
    const cell = $(`#workflows-table tr[data-workflow-id="${CSS.escape(r.workflowId)}"] .replay-result`);
    if (cell) {
      cell.className = `replay-result badge ${r.ok ? 'ok' : 'bad'}`;
      cell.textContent = r.ok ? '✓ replays 一致' : `✗ ${r.error ?? 'failed'}`;
      cell.title = r.error ?? `run ${r.runId ?? ''}`;
    }
  }
  const bad = results.filter((r) => !r.ok);
  toast(bad.length ? `Replay found ${bad.length} problem(s) 重放发现问题` : `Replayed ${results.length} workflow(s) 重放通过`, bad.length ? 'error' : 'ok',
    bad.map((r) => `${r.workflowId}: ${r.error}`).join('; ') || 'the histories replay against the current workflow code');
}

/** "2026-12-07" or "2026-12-07 09:30", China time, as an instant; a day alone as its start, or as its end for `to`. */
export function isoOf(china, end = false) {
  if (!china) return '';
  const [d, t] = china.split(' ');
  return new Date(`${d}T${t ? `${t}:00.000` : end ? '23:59:59.999' : '00:00:00.000'}+08:00`).toISOString();
}
export async function loadAuditLog(more = false) {
  state.loaded.add('auditLog');
  const v = formValues($('#audit-filter'));
  const data = await readList('#audit-table', `/api/audit/log?${qs({ from: isoOf(v.from), to: isoOf(v.to, true), actor: v.actor, action: v.action, subject: v.subject, routine: $('#audit-filter [name=routine]').checked, order: 'desc', limit: 100, cursor: more ? state.auditCursor : '' })}`);
  const entries = listOf(data, 'entries', 'log', 'items');
  state.auditEntries = more ? [...state.auditEntries, ...entries] : entries;
  state.auditCursor = data.nextCursor ?? null;
  $('[data-action=audit-more]').hidden = state.auditCursor === null;
  table($('#audit-table'), ['Seq', 'At 时间', 'Actor 操作人', 'Action 操作', 'Subject 对象', 'Detail 详情'],
    state.auditEntries.map((e) => h('tr', { dataset: { seq: e.seq } },
      h('td', { class: 'num' }, e.seq), h('td', { class: 'nowrap' }, time(e.at)), h('td', {}, e.actor), h('td', {}, h('code', {}, e.action)), h('td', { class: 'mono' }, e.subject),
      h('td', { class: 'small detail', title: JSON.stringify(e.detail ?? {}, null, 1) }, detailText(e.detail ?? {})))),
    'No entries 暂无记录');
}
/** An audit entry's detail for people: "total ¥403,888.32 · paidAt 2026-12-07 10:27 北京时间"; the raw JSON is its tooltip. */
export function detailText(value, key = '') {
  if (typeof value === 'number' && key.endsWith('Fen')) return yuan(fenToYuan(value));
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return time(value);
  if (typeof value === 'string' && /^\d{2}:\d{2}$/.test(value)) return `${value} 北京时间`; // a schedule's time of day
  if (Array.isArray(value)) return value.map((v) => detailText(v)).join(', ');
  if (value && typeof value === 'object') {
    const fields = Object.entries(value).map(([k, v]) => `${k.endsWith('Fen') ? k.slice(0, -3) : k} ${detailText(v, k)}`);
    return key ? `(${fields.join(' · ')})` : fields.join(' · ');
  }
  return String(value);
}
export async function verifyLog() {
  const r = await get('/api/audit/log/verify');
  const ok = r.intact ?? r.ok;
  const el = $('#verify-result');
  el.className = `badge ${ok ? 'ok' : 'bad'}`;
  el.dataset.ok = String(Boolean(ok));
  el.textContent = ok
    ? `✓ intact 完整 · ${r.checked ?? 0} entries${r.head ? ` · head #${r.head.seq} ${String(r.head.hash).slice(0, 12)}…` : ''}`
    : `✗ broken 链已断 at #${r.firstBroken?.seq ?? '?'}: ${r.firstBroken?.problem ?? ''} ${r.firstBroken?.detail ?? ''}`;
}
