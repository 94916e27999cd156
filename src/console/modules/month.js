// The month at a glance 本月进度: every employer × the chosen period (and those before it), totals
// with a chart, and bulk actions on the selected rows: declare (a batch), pay by agreement, print.
/* global setTimeout, clearTimeout */
import { get, post } from './api.js';
import { $, chinaWall, fenToYuan, formValues, h, qs, yuan } from './dom.js';
import { confirmHeadcount } from './schedules.js';
import { canWrite, state } from './state.js';
import { chooseEmployer, showTab } from './tabs.js';
import { confirmDialog, readList, retryingDialog, table, temporalLink, toast } from './ui.js';
import { badge, notice, PAYMENT_STATUS, TONE } from './words.js';
import { registerTab, registerView } from './views.js';

registerView('month', { load: () => loadMonth(), refreshedBy: ['declaration', 'declaration_batch', 'payment', 'deduction', 'voucher', 'certificate', 'bulk_action'] });
registerTab('month', { acrossEmployers: true });

export const BULK_KIND = { pay: 'pay by agreement 批量缴费', print_payment_certificates: 'payment certificates 缴费证明', print_tax_certificates: 'tax certificates 完税证明' };
Object.assign(TONE, { not_declared: 'muted', declaring: 'info', result_unknown: 'warn', rejected: 'bad', accepted: 'warn', paying: 'info', deduction_failed: 'bad', voucher_waiting: 'info', certified: 'ok' });
const ENTRY = { pending: 'pending 待处理', done: 'done 已完成', skipped: 'skipped 已跳过', failed: 'failed 出错' };

/** The newest period with a declaration, else last month (China time). */
async function defaultPeriod() {
  const { declarations } = await get('/api/declarations?limit=1');
  const newest = declarations[0]?.periods?.at(-1);
  if (newest) return newest;
  const [y, m] = chinaWall(new Date().toISOString()).slice(0, 7).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function monthQuery() {
  const v = formValues($('#month-filter'));
  return { period: v.period, periods: v.periods, state: v.state, q: v.q.trim(), sort: v.sort, needsMe: $('#month-filter [name=needsMe]').checked ? 'true' : '' };
}

/** A new query: what was selected under the last one is let go. */
export function queryMonth() {
  state.monthSelected.clear();
  return loadMonth();
}

/** Refreshed on events too: the selection stays. */
export async function loadMonth(more = false) {
  state.loaded.add('month');
  const form = $('#month-filter');
  if (!form.period.value) form.period.value = await defaultPeriod();
  const q = monthQuery();
  for (const format of ['csv', 'xlsx']) $(`#month-export-${format}`).href = `/api/month/export?${qs({ ...q, format })}`;
  const answer = await readList('#month-table', `/api/month?${qs(q)}`, { list: 'month', items: 'rows', more });
  const stateSelect = form.state;
  if (stateSelect.options.length === 1) for (const s of answer.states) stateSelect.append(h('option', { value: s.state }, s.words));
  state.monthStates = Object.fromEntries(answer.states.map((s) => [s.state, s.words]));
  renderTotals(answer);
  renderRows(answer.periods, answer.matching);
  if (state.bulkId) await showBulk(state.bulkId);
}

/** A state's part of the bar, as wide as its count (set through the CSSOM: the policy allows no style attribute). */
function segment(s, count) {
  const seg = h('span', { class: `seg ${TONE[s.state] ?? ''}`, title: `${s.words}: ${count}` });
  seg.style.flexGrow = String(count);
  return seg;
}

/** Each period: employers by state as a bar (one segment a state) with its legend, and the money. */
function renderTotals({ totals, states }) {
  $('#month-totals').replaceChildren(...totals.map((t) => {
    const parts = states.filter((s) => t.byState[s.state] > 0);
    const said = parts.map((s) => `${s.words} ${t.byState[s.state]}`).join(', ');
    return h('section', { class: 'period-totals', dataset: { period: t.period } },
      h('h3', {}, `${t.period} · ${t.employers} employers 单位`),
      h('div', { class: 'chart', role: 'img', 'aria-label': `${t.period}: ${said}` },
        ...parts.map((s) => segment(s, t.byState[s.state]))),
      h('ul', { class: 'legend small' }, ...parts.map((s) => h('li', {}, badge(s.state, state.monthStates), ` ${t.byState[s.state]}`))),
      h('p', { class: 'small' }, `declared 申报 ${yuan(t.declaredYuan)} · paid 已缴 ${yuan(t.paidYuan)} · unpaid 未缴 ${yuan(t.unpaidYuan)}`));
  }));
}

function renderRows(periods, matching) {
  const rows = state.pages.month;
  const all = h('input', { type: 'checkbox', 'aria-label': 'Select every row shown 全选', checked: rows.length > 0 && rows.every((r) => state.monthSelected.has(r.employer.id)) });
  all.addEventListener('change', () => {
    for (const r of rows) {
      if (all.checked) state.monthSelected.add(r.employer.id);
      else state.monthSelected.delete(r.employer.id);
    }
    renderRows(periods, matching);
  });
  table($('#month-table'), [canWrite() ? all : null, 'Employer 单位', ...periods.map((p) => `${p} 所属期`)],
    rows.map((r) => {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select 选择 ${r.employer.name}`, checked: state.monthSelected.has(r.employer.id) });
      box.addEventListener('change', () => {
        if (box.checked) state.monthSelected.add(r.employer.id);
        else state.monthSelected.delete(r.employer.id);
        renderSelected(matching);
      });
      return h('tr', { dataset: { employerId: r.employer.id, state: r.cells[0].state } },
        canWrite() ? h('td', {}, box) : null,
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => chooseEmployer(r.employer.id) }, r.employer.name), h('div', { class: 'small muted mono' }, r.employer.taxpayerId)),
        ...r.cells.map((c) => h('td', { dataset: { period: c.period, state: c.state } },
          h('button', { type: 'button', class: 'link', title: 'the declarations of this period 本期申报记录', onclick: () => openDeclarations(r.employer.id, c.period) }, badge(c.state, state.monthStates)),
          c.amountFen ? h('div', { class: 'small' }, yuan(c.amountYuan), c.unpaidFen && c.unpaidFen !== c.amountFen ? h('span', { class: 'muted' }, ` · unpaid 未缴 ${yuan(c.unpaidYuan)}`) : null) : null)));
    }),
    'No employers match 无匹配单位');
  renderSelected(matching);
}

function renderSelected(matching) {
  const n = state.monthSelected.size;
  $('#month-selected').textContent = `${n ? `${n} selected 已选 ${n}` : 'none selected 未选择'} · ${matching} shown 共 ${matching}`;
  for (const b of $('#month-actions').querySelectorAll('button')) b.disabled = n === 0;
}

async function openDeclarations(employerId, period) {
  chooseEmployer(employerId);
  const f = $('#declarations-filter');
  f.period.value = period;
  f.allEmployers.checked = false;
  await showTab('declarations');
}

/** The selected rows whose chosen period is in one of these states (others are left out, and said so). */
function selectedIn(states) {
  const rows = state.pages.month.filter((r) => state.monthSelected.has(r.employer.id));
  const kept = rows.filter((r) => states.includes(r.cells[0].state));
  return { rows: kept, left: rows.length - kept.length };
}
const leftOut = (n) => (n ? [h('p', { class: 'hint' }, `${n} selected employer(s) are not in that state and are left out 其余所选单位不适用`)] : []);

export async function monthDeclare() {
  const { rows, left } = selectedIn(['not_declared', 'rejected']);
  if (!rows.length) return toast('Nothing to declare among the selected 所选单位无需申报', 'warn');
  if (!(await confirmHeadcount())) return;
  const period = $('#month-filter').period.value;
  const b = await post('/api/declaration-batches', { period, headcountConfirmed: true, employerIds: rows.map((r) => r.employer.id) }, { idempotent: true });
  toast('Batch started 批量申报已开始', 'ok', `${b.id}: ${b.total} employer(s)${left ? `; ${left} left out 未纳入` : ''}`);
  state.batchId = b.id;
}

/** F-4.2 for each employer: the amounts confirmed, then every declaration password in one form. */
export async function monthPay() {
  const { rows, left } = selectedIn(['accepted']);
  if (!rows.length) return toast('None of the selected is accepted and unpaid 所选单位无待缴费款', 'warn');
  const period = $('#month-filter').period.value;
  const total = rows.reduce((s, r) => s + r.cells[0].unpaidFen, 0);
  const summary = h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, ['Employer 单位', 'Unpaid 待缴'].map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, r.employer.name), h('td', { class: 'num' }, yuan(r.cells[0].unpaidYuan))))),
    h('tfoot', {}, h('tr', {}, h('td', {}, 'Total 合计'), h('td', { class: 'num strong' }, yuan(fenToYuan(total))))));
  if (!(await confirmDialog(`Pay ${period} by agreement 批量缴费`, [...notice('amount'), summary, ...leftOut(left)], 'Confirm 确认缴费', { id: 'confirm-bulk-amount' }))) return;
  const started = await retryingDialog({
    id: 'bulk-passwords',
    title: 'Security check 安全认证',
    body: [h('p', { class: 'hint' }, 'Each employer’s declaration password (申报密码), checked by the bureau before any payment.')],
    fields: rows.map((r) => ({ name: `pw:${r.employer.id}`, label: `${r.employer.name} 申报密码`, type: 'password' })),
  }, (v) => post('/api/bulk-actions', { kind: 'pay', period, amountConfirmed: true, employers: rows.map((r) => ({ employerId: r.employer.id, password: v[`pw:${r.employer.id}`] })) }, { idempotent: true }));
  if (started) await bulkStarted(started);
}

export async function monthPrint(kind) {
  const { rows, left } = selectedIn(kind === 'print_tax_certificates' ? ['paid', 'certified'] : ['paid', 'certified', 'accepted', 'deduction_failed']);
  if (!rows.length) return toast('Nothing paid to print among the selected 所选单位无可打印证明', 'warn');
  const period = $('#month-filter').period.value;
  if (!(await confirmDialog(`Print ${BULK_KIND[kind]} · ${period}`, [`${rows.length} employer(s) 单位`, ...leftOut(left)], 'Print 打印', { id: 'confirm-bulk-print' }))) return;
  await bulkStarted(await post('/api/bulk-actions', { kind, period, employers: rows.map((r) => ({ employerId: r.employer.id })) }, { idempotent: true }));
}

async function bulkStarted(b) {
  toast('Bulk action started 批量操作已开始', 'ok', `${b.id}: ${b.progress.total} employer(s)`);
  state.monthSelected.clear();
  await showBulk(b.id);
}

let polling;
/** The action's report; while it runs, read again every second and a half. */
export async function showBulk(id) {
  state.bulkId = id;
  clearTimeout(polling);
  const b = await get(`/api/bulk-actions/${encodeURIComponent(id)}`);
  const box = $('#bulk-detail');
  Object.assign(box.dataset, { bulkId: id, status: b.status });
  box.hidden = false;
  const p = b.progress;
  const finished = p.done + p.skipped + p.failed;
  $('#bulk-title').replaceChildren(`${BULK_KIND[b.kind]} · ${b.period} · ${b.status === 'running' ? 'running 进行中' : 'completed 已完成'} · by ${b.createdBy} `, temporalLink(b.workflowId));
  $('#bulk-progress').dataset.state = b.status === 'running' ? 'loading' : 'done';
  $('#bulk-progress .bar span').style.width = `${Math.round((finished / Math.max(1, p.total)) * 100)}%`;
  $('#bulk-progress p').textContent = `${finished}/${p.total} finished 已完成 · done 完成 ${p.done} · skipped 跳过 ${p.skipped} · failed 出错 ${p.failed}`;
  table($('#bulk-employers-table'), ['#', 'Employer 单位', 'Status 状态', 'Result 结果', 'Why 原因'],
    b.employers.map((e) => h('tr', { dataset: { employerId: e.employerId, status: e.status } },
      h('td', { class: 'num' }, e.n + 1), h('td', {}, e.name), h('td', {}, badge(e.status, ENTRY)),
      h('td', {}, e.payment ? [h('span', { class: 'mono' }, e.payment.id), ' ', badge(e.payment.status, PAYMENT_STATUS), ' ', yuan(e.payment.totalYuan)] : e.certificate ? h('a', { href: e.certificate.pdf, target: '_blank' }, 'PDF 证明') : ''),
      h('td', { class: 'small' }, e.reason ? e.reason.message : ''))),
    'No employers 无单位');
  if (b.status === 'running' && state.tab === 'month') polling = setTimeout(() => void showBulk(id).catch(() => undefined), 1500);
}
