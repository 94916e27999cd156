// Declaration schedules 申报计划: a batch declaration every month at a China time.
import { ApiError, get, post } from './api.js';
import { openBatch } from './batches.js';
import { $, formValues, h, time } from './dom.js';
import { employerName, state } from './state.js';
import { confirmDialog, deleteButton, readButton, readList, table, toast, writeButton } from './ui.js';
import { badge, notice } from './words.js';
import { registerTab, registerView } from './views.js';

registerView('schedules', { load: () => loadSchedules(), refreshedBy: ['declaration_batch', 'declaration_schedule'] });
registerTab('schedules', { acrossEmployers: true });

export const PERIOD_RULE = { previous_month: 'previous month 上月', current_month: 'current month 当月' };
export const confirmHeadcount = () => confirmDialog('Check the headcount 核对缴费人数', notice('headcount'), 'OK 确定', { id: 'headcount' });
export const idList = (text) => [...new Set(text.split(/[\s,，]+/).filter(Boolean))];
export const progressText = (p) => `${p.done + p.skipped + p.failed}/${p.total} finished 已完成 · accepted 成功 ${p.accepted} · rejected 失败 ${p.rejected} · unknown 未知 ${p.resultUnknown} · skipped 跳过 ${p.skipped} · failed 出错 ${p.failed} · declaring 申报中 ${p.declaring}`;

export async function loadSchedules() {
  state.loaded.add('schedules');
  const data = await readList('#schedules-table', '/api/declaration-schedules');
  table($('#schedules-table'), ['Name 名称', 'When 时间', 'Period 所属期', 'Employers 单位', 'State 状态', 'Next run 下次运行', 'Last run 最近运行', ''],
    data.schedules.map((s) => h('tr', { dataset: { scheduleId: s.id, paused: String(s.paused) }, class: s.id === state.scheduleId ? 'current' : '' },
      h('td', {}, s.name, h('div', { class: 'small muted mono' }, s.id)), h('td', { class: 'nowrap' }, `day ${s.dayOfMonth} 每月${s.dayOfMonth}日 ${s.time} 北京时间`),
      h('td', {}, PERIOD_RULE[s.period]), h('td', {}, s.allEmployers ? 'all 全部' : `${s.employerIds.length}`),
      h('td', {}, s.paused ? h('span', { class: 'badge muted', title: s.note ?? '' }, 'paused 已暂停') : h('span', { class: 'badge ok' }, 'active 启用'), s.synced ? '' : h('span', { class: 'badge warn', title: 'Temporal has not caught up yet' }, 'syncing')),
      h('td', { class: 'nowrap' }, time(s.nextRunAt)), h('td', {}, s.lastRun ? runSummary(s.lastRun) : ''),
      h('td', { class: 'actions' },
        readButton('Runs 运行记录', 'view-schedule', () => showSchedule(s.id)),
        writeButton('Run now 立即运行', 'trigger-schedule', async () => {
          const r = await post(`/api/declaration-schedules/${encodeURIComponent(s.id)}/trigger`);
          toast('The schedule ran 已触发', 'ok', `batch ${r.batchId} for ${r.period}`);
          await showSchedule(s.id);
        }),
        writeButton(s.paused ? 'Unpause 恢复' : 'Pause 暂停', s.paused ? 'unpause-schedule' : 'pause-schedule', async () => {
          await post(`/api/declaration-schedules/${encodeURIComponent(s.id)}/${s.paused ? 'unpause' : 'pause'}`, {});
          await loadSchedules();
        }, { class: 'secondary' }),
        deleteButton('delete-schedule', ['Delete this schedule? 删除该申报计划？', `${s.name}: no more runs; its batches stay.`], `/api/declaration-schedules/${encodeURIComponent(s.id)}`,
          { id: s.id, shownAs: 'scheduleId', detail: '#schedule-detail', reload: loadSchedules })))),
    'No schedules 暂无申报计划');
  if (state.scheduleId) await showSchedule(state.scheduleId, false);
}
export function runSummary(r) {
  return [badge(r.status === 'failed' ? 'failed' : r.batch?.status ?? r.status), ' ', r.period, ' ', h('span', { class: 'small muted' }, `${r.trigger} · ${time(r.scheduledAt)}`),
    r.error ? h('div', { class: 'small problem' }, `${r.error.code}: ${r.error.message}`) : null];
}
export async function showSchedule(id, reloadList = true) {
  state.scheduleId = id;
  const s = await get(`/api/declaration-schedules/${encodeURIComponent(id)}`);
  $('#schedule-detail').hidden = false;
  $('#schedule-title').textContent = `Runs 运行记录 · ${s.name}`;
  $('#schedule-next').textContent = s.nextRunTimes.length ? `Next runs 之后运行: ${s.nextRunTimes.map(time).join(' · ')}` : 'No runs coming (paused) 暂无计划运行';
  table($('#schedule-runs-table'), ['For 计划时间', 'Trigger 触发', 'Period 所属期', 'Status 状态', 'Batch 批次', 'Progress 进度', 'By 操作人'],
    s.runs.map((r) => h('tr', { dataset: { scheduledAt: r.scheduledAt, batchId: r.batchId ?? '' } },
      h('td', { class: 'nowrap' }, time(r.scheduledAt)), h('td', {}, r.trigger === 'manual' ? 'manual 手动' : 'calendar 定时'), h('td', {}, r.period),
      h('td', {}, runSummary(r).slice(0, 1), r.error ? h('div', { class: 'small problem' }, `${r.error.code}: ${r.error.message}`) : null),
      h('td', {}, r.batchId ? readButton(r.batchId, 'open-batch', () => openBatch(r.batchId)) : ''),
      h('td', { class: 'small' }, r.batch ? progressText(r.batch.progress) : ''), h('td', {}, r.triggeredBy))),
    'Not run yet 尚未运行');
  if (reloadList) await loadSchedules();
}
export function pickScheduleEmployer(id) {
  if (!state.scheduleEmployers.includes(id)) state.scheduleEmployers.push(id);
  renderScheduleEmployers();
}
/** The new schedule's employers: all, or those picked (each a chip to remove). */
export function renderScheduleEmployers() {
  $('#schedule-employer-picker').hidden = $('#add-schedule [name=scope]').value !== 'chosen';
  $('#schedule-employers').replaceChildren(...state.scheduleEmployers.map((id) => h('span', { class: 'chip', dataset: { employerId: id } }, employerName(id),
    h('button', { type: 'button', class: 'remove', 'aria-label': 'remove 移除', onclick: () => {
      state.scheduleEmployers = state.scheduleEmployers.filter((k) => k !== id);
      renderScheduleEmployers();
    } }, '×'))));
}
export async function addSchedule(form) {
  const v = formValues(form);
  const ids = v.scope === 'chosen' ? state.scheduleEmployers : null;
  if (ids?.length === 0) throw new ApiError({ title: 'Pick the employers first 请先选择单位', detail: 'find each in “Add 添加”, or choose all employers' }, 0);
  if (!(await confirmHeadcount())) return;
  const s = await post('/api/declaration-schedules', {
    name: v.name, dayOfMonth: Number(v.dayOfMonth), time: v.time, period: v.period, headcountConfirmed: true, ...(ids ? { employerIds: ids } : {}),
  });
  form.reset();
  state.scheduleEmployers = [];
  renderScheduleEmployers();
  toast('Schedule created 申报计划已创建', 'ok', `${s.name}: next run ${time(s.nextRunAt)}`);
  await showSchedule(s.id);
}
