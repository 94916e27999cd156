// The operator console (社保费申报缴费): a plain ES module, no framework, no build step. It
// talks to the API under /api with the session cookie that POST /api/session sets, and
// follows state changes live through EventSource on /api/events.
/* global document, window, location, history, localStorage, fetch, EventSource, console, setTimeout, clearTimeout, setInterval, clearInterval, performance, TextDecoder, Blob, CSS, URLSearchParams, FormData, Node, HTMLInputElement, crypto */

// ---------------------------------------------------------------------------------------------
// Small helpers
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Builds an element; text is always text (no HTML from data ever reaches innerHTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const pad = (n) => String(n).padStart(2, '0');
// Times as an office in China reads them, whatever the browser's zone: 北京时间 (UTC+8, no summer
// time), the zone said with every time, deadlines as the day they are (src/domain/china-time.ts).
const chinaWall = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
/** "2026-12-07 10:27 北京时间" */
const time = (iso) => (iso ? `${chinaWall(iso).slice(0, 10)} ${chinaWall(iso).slice(11, 16)} 北京时间` : '');
/** "10:27:05 北京时间": a time of today's work (attempts, sign-ins). */
const clock = (iso) => (iso ? `${chinaWall(iso).slice(11, 19)} 北京时间` : '');
/** "2027-03-31": the China day an instant falls on (a deadline is the end of its day). */
const day = (iso) => (iso ? chinaWall(iso).slice(0, 10) : '');
/** How long the service waits for the bureau's result before it fetches it (RESULT_WAIT_SECONDS). */
const resultWait = () => duration(state.config?.resultWaitSeconds ?? 20);
/** 3725 → "1 h 2 min 1小时2分钟"; under a minute in seconds. */
function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ${s}秒`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h >= 48) return `${Math.round(h / 24)} days ${Math.round(h / 24)}天`;
  return h ? `${h} h${m ? ` ${m} min` : ''} ${h}小时${m ? `${m}分钟` : ''}` : `${m} min ${m}分钟`;
}
function yuan(s) {
  if (s === undefined || s === null) return '';
  const [int, dec = '00'] = String(s).split('.');
  return `¥${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${dec}`;
}
const fenToYuan = (fen) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${pad(Math.abs(fen) % 100)}`;
function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  return q.toString();
}
function formValues(form) {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]));
}
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// ---------------------------------------------------------------------------------------------
// Words: the business terms in English and Chinese
const DECLARATION_STATUS = {
  submitted: 'submitted 已提交',
  accepted: 'accepted 申报成功',
  rejected: 'rejected 申报失败',
  result_unknown: 'result unknown 结果未知',
  voiding: 'voiding 作废中',
  voided: 'voided 已作废',
  void_rejected: 'void rejected 作废失败',
};
const PAID_STATUS = { unpaid: 'unpaid 未缴费', partially_paid: 'partly paid 部分缴费', paid: 'paid 已缴费' };
const PAYMENT_STATUS = {
  deducting: 'deducting 扣款中',
  awaiting_retry: 'awaiting retry 等待重试',
  paid: 'paid 缴费成功',
  failed: 'failed 缴费失败',
  cancelled: 'cancelled 已取消',
  voucher_issued: 'voucher issued 凭证已开具',
  voucher_voided: 'voucher voided 凭证已作废',
  voucher_expired: 'voucher expired 凭证已过期',
};
const RUNNING_PAYMENTS = ['deducting', 'awaiting_retry', 'voucher_issued'];
const VOUCHER_STATUS = { issued: 'issued 已开具', paid: 'paid 已缴款', voided: 'voided 已作废', expired: 'expired 已过期' };
/** F-2.8's reasons in words (the codes stay in the API). */
const EXCLUSION_REASON = { ALREADY_DECLARED: 'already declared 已申报', NOT_NORMAL_DATA: 'no normal payment data 无正常缴费数据', REVOKED: 'order revoked 征集单已撤销', EXPIRED: 'order expired 征集单已过期' };
const KIND = { regular: 'daily 日常', special: 'special 特殊' };
const METHOD = { three_party: 'three-party 三方协议', bank_voucher: 'voucher 银行端凭证' };
const ROLE = { operator: 'operator 操作员', auditor: 'auditor 审计员 · read-only 只读', staff: 'staff 税务人员' };
const TONE = {
  accepted: 'ok', paid: 'ok', voided: 'muted', submitted: 'info', voiding: 'info', deducting: 'info', voucher_issued: 'info',
  awaiting_retry: 'warn', result_unknown: 'warn', partially_paid: 'warn', unpaid: 'warn', issued: 'info',
  rejected: 'bad', failed: 'bad', void_rejected: 'bad', cancelled: 'muted', voucher_voided: 'muted', voucher_expired: 'muted', expired: 'muted',
};
const badge = (value, words) => h('span', { class: `badge ${TONE[value] ?? ''}` }, words?.[value] ?? value);

const HEADCOUNT_WARNING = '请核对缴费人数，如需做职工减员操作，请先去相关部门办理减员后再进行社保费申报！';
const HEADCOUNT_WARNING_EN = 'Check the headcount: if staff left, register the reduction with the agency before declaring.';
const AMOUNT_CHECK = '扣款前请确认扣费险种、金额是否正确。';
const AMOUNT_CHECK_EN = 'Check the insurance types and amounts before the deduction.';
const PAY_NOW = '当前存在申报成功且未缴费或部分缴费的记录，是否立即缴费？';

// ---------------------------------------------------------------------------------------------
// State
const state = {
  me: null,
  config: null,
  employers: [], // every employer the console has seen (pages, searches): lists page, so this is never all of them
  employerId: localStorage.getItem('sifee.employer') ?? '',
  tab: 'attention',
  attentionKind: '', // the attention list's kind filter ('' all)
  scheduleId: null, // the schedule whose runs are shown
  scheduleEmployers: [], // the ids picked for the new schedule's chosen employers
  batchId: null, // the batch whose report is shown
  webhookId: null, // the webhook whose deliveries are shown
  loaded: new Set(), // views shown since sign-in: these refresh on events
  items: null,
  selectedItems: new Set(),
  payables: [],
  selectedLines: new Set(),
  employerDetail: null,
  workflows: [],
  auditEntries: [],
  auditCursor: null,
  pages: { employers: [], declarations: [], payments: [], certificates: [], batches: [] }, // the rows of each paged table shown
  cursors: {}, // list → the nextCursor of its last page shown (null: that was the last)
  events: null,
  lastSeq: 0,
  watchDeclarations: new Map(), // declaration id → what we wait for ('result' | 'void')
  watchPayments: new Set(),
};
const canWrite = () => state.me?.role === 'operator';
const isStaff = () => state.me?.role === 'staff';
const employer = () => state.employers.find((e) => e.id === state.employerId);
const employerName = (id) => state.employers.find((e) => e.id === id)?.name ?? id;

// ---------------------------------------------------------------------------------------------
// The API and its problems (application/problem+json)
class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail ?? problem.title ?? 'error');
    this.status = status;
    this.code = problem.code;
    this.title = problem.title ?? `HTTP ${status}`;
    this.detail = problem.detail;
    this.problem = problem;
  }
}

async function api(method, url, body, opts = {}) {
  const headers = { accept: 'application/json, application/problem+json;q=0.9, */*;q=0.5' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (opts.idempotent) headers['idempotency-key'] = newKey();
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError({ title: 'The API does not answer 服务无响应', detail: err.message, code: 'NETWORK' }, 0);
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => ({ title: res.statusText || `HTTP ${res.status}` }));
    if (res.status === 401 && state.me && !opts.signingIn) signedOut('The session ended: sign in again 会话已结束，请重新登录');
    throw new ApiError(problem, res.status);
  }
  if (opts.raw) return res;
  return (res.headers.get('content-type') ?? '').includes('json') ? res.json() : res.text();
}
const get = (url, opts) => api('GET', url, undefined, opts);
const post = (url, body, opts) => api('POST', url, body, opts);

// ---------------------------------------------------------------------------------------------
// Toasts, errors and dialogs
function toast(title, kind = 'ok', detail) {
  const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('button', { type: 'button', class: 'close', 'aria-label': 'close', onclick: () => el.remove() }, '×'),
    h('strong', {}, title), detail ? h('div', { class: 'detail' }, detail) : null);
  const box = $('#toasts');
  // A success means the problem shown before is behind the operator: its toast goes.
  if (kind === 'ok') box.querySelectorAll('.toast.error').forEach((t) => t.remove());
  box.append(el);
  while (box.children.length > 4) box.firstChild.remove();
  setTimeout(() => el.remove(), kind === 'error' ? 20_000 : 6_000);
  return el;
}
function problemText(err) {
  return [err.detail, err.code ? `(${err.code}${err.status ? ` · ${err.status}` : ''})` : ''].filter(Boolean).join(' ');
}
function showError(err) {
  if (!(err instanceof ApiError)) err = new ApiError({ title: 'Something went wrong 出错了', detail: String(err?.message ?? err) }, 0);
  toast(err.title, 'error', problemText(err));
}
/** The field a refusal is about, by its code: its message goes next to that field. */
const PROBLEM_FIELD = {
  TAXPAYER_ID_INVALID: 'taxpayerId', TAXPAYER_ID_MISMATCH: 'taxpayerIdConfirm', UNIT_NUMBER_MISMATCH: 'unitNumber', EMPLOYER_EXISTS: 'taxpayerId',
  PASSWORD_INVALID: 'password', NEW_PASSWORD_INVALID: 'newPassword',
};
/** Marks `input` invalid with `message` beside it (read out with it); the mark goes at the next input. */
function markInvalid(input, message) {
  const id = `error-${input.name}`;
  input.parentElement.querySelector(`#${id}`)?.remove();
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
  input.after(h('span', { class: 'field-error', id, role: 'alert' }, message));
  input.addEventListener('input', () => {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
    input.parentElement?.querySelector(`#${id}`)?.remove();
  }, { once: true });
}
/** A form's action: a refusal about one of its fields is shown at that field (focused), any other as a toast. */
async function withFieldErrors(form, fn) {
  try {
    return await fn();
  } catch (err) {
    const input = err instanceof ApiError && form.elements.namedItem(PROBLEM_FIELD[err.code] ?? '');
    if (!(input instanceof HTMLInputElement)) throw err;
    markInvalid(input, `${err.title}: ${err.detail ?? ''}`);
    input.focus();
    input.select();
    return undefined;
  }
}
/** Runs an action, showing its problem to the operator; disables the button meanwhile. */
async function act(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (err) {
    showError(err);
    return undefined;
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

let dialogChain = Promise.resolve();
/** A modal: a title, some content, fields; resolves to the field values on OK, null on cancel. One at a time. */
function dialog(opts) {
  const shown = dialogChain.then(() => openDialog(opts));
  dialogChain = shown.catch(() => undefined);
  return shown;
}
function openDialog({ title, body = [], fields = [], ok = 'OK 确定', cancel = 'Cancel 取消', danger = false, error = null, errorField = null, id = 'dialog' }) {
  const dlg = $('#dialog');
  const form = $('#dialog-form');
  const atField = fields.some((f) => f.name === errorField);
  form.replaceChildren(...[
    h('h2', {}, title),
    ...body,
    error && !atField ? h('p', { class: 'problem', role: 'alert' }, error) : null,
    ...fields.map((f) =>
      h('label', {}, f.label, h('input', { name: f.name, type: f.type ?? 'text', required: f.required !== false, value: f.value ?? '', autocomplete: 'off', pattern: f.pattern, placeholder: f.placeholder }))),
    // OK is the form's only submit button, so Enter in a field confirms; Cancel (and Esc) close without values.
    h('menu', {},
      cancel ? h('button', { type: 'button', value: 'cancel', class: 'secondary', onclick: () => dlg.close('cancel') }, cancel) : null,
      h('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : '' }, ok)),
  ].filter(Boolean));
  dlg.dataset.dialog = id;
  const returnFocus = document.activeElement;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      const values = dlg.returnValue === 'ok' ? formValues(form) : null;
      delete dlg.dataset.dialog;
      if (returnFocus?.isConnected) returnFocus.focus?.();
      resolve(values);
    }, { once: true });
    dlg.returnValue = '';
    dlg.showModal();
    // The field a refusal is about, else the first still to fill (a change of password comes with the current one filled in).
    const inputs = [...form.querySelectorAll('input')];
    const invalid = atField ? form.elements.namedItem(errorField) : null;
    if (invalid) markInvalid(invalid, error);
    (invalid ?? inputs.find((i) => !i.value) ?? inputs[0] ?? form.querySelector('button[value=ok]'))?.focus();
  });
}
const confirmDialog = (title, body, ok, opts = {}) => dialog({ title, body: body.map((b) => (b instanceof Node ? b : h('p', {}, b))), ok, ...opts }).then((v) => v !== null);

/** A dialog whose action may be refused with a problem the operator can fix (a wrong password): asked again with the problem shown. */
async function retryingDialog(opts, action) {
  let error = null;
  let errorField = null;
  let fields = opts.fields ?? [];
  for (;;) {
    const values = await dialog({ ...opts, fields, error, errorField });
    if (!values) return undefined;
    try {
      return await action(values);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 400 || err.status === 422)) {
        const left = err.problem?.attemptsLeft;
        error = `${err.title}: ${err.detail ?? ''}${Number.isInteger(left) ? ` · ${left} ${left === 1 ? 'try' : 'tries'} left before the employer is locked 剩余尝试次数 ${left}` : ''}`;
        // Asked again with what was typed, the field at fault emptied and marked.
        errorField = PROBLEM_FIELD[err.code] ?? null;
        fields = fields.map((f) => ({ ...f, value: f.name === errorField ? '' : values[f.name] }));
        continue;
      }
      showError(err);
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tables
function table(el, headers, rows, empty) {
  headers = headers.filter((c) => c !== null);
  el.replaceChildren(
    h('thead', {}, h('tr', {}, headers.map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.length ? rows : h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, empty))),
  );
}
/** A paged list (its rows are the answer's `list`): the first page, or (more) the next one appended; its "more" button shows while pages remain. */
async function pageOf(list, url, more) {
  const data = await get(`${url}${url.includes('?') ? '&' : '?'}${qs({ cursor: more ? state.cursors[list] ?? '' : '' })}`);
  state.pages[list] = more ? [...state.pages[list], ...data[list]] : data[list];
  state.cursors[list] = data.nextCursor ?? null;
  $(`[data-action=${list}-more]`).hidden = state.cursors[list] === null;
  return data;
}
/**
 * Reads what a table lists: the answer of `url`, or with `page` ({ list, more }) a page of that
 * paged list (pageOf). A problem shows in the table, and is thrown on for the toast.
 */
async function readList(tableSel, url, page) {
  try {
    return await (page ? pageOf(page.list, url, page.more) : get(url));
  } catch (err) {
    tableProblem($(tableSel), err);
    throw err;
  }
}
function tableProblem(el, err) {
  el.replaceChildren(h('tbody', {}, h('tr', { class: 'empty problem' }, h('td', {}, h('strong', {}, err.title ?? 'Error'), ' ', problemText(err)))));
}
function temporalLink(workflowId) {
  if (!workflowId || !state.config) return '';
  const url = `${state.config.temporalUiUrl}/namespaces/${encodeURIComponent(state.config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return h('a', { href: url, target: '_blank', rel: 'noopener', class: 'temporal', title: `${workflowId} in the Temporal UI` }, 'Temporal ↗');
}
const writeButton = (label, action, onclick, extra = {}) =>
  canWrite() ? h('button', { type: 'button', class: `small ${extra.class ?? ''}`, dataset: { action, write: '' }, onclick: (e) => act(e.currentTarget, () => onclick(e)) }, label) : null;
/** Deletes `path` once the operator confirms ([question, consequence]); closes its detail when it is the one shown (state[shownAs]), then reloads the list. */
const deleteButton = (action, [question, consequence], path, { id, shownAs, detail, reload }) =>
  writeButton('Delete 删除', action, async () => {
    if (!(await confirmDialog(question, [consequence], 'Delete 删除', { danger: true }))) return;
    await api('DELETE', path);
    if (state[shownAs] === id) {
      state[shownAs] = null;
      $(detail).hidden = true;
    }
    await reload();
  }, { class: 'danger' });
const readButton = (label, action, onclick) => h('button', { type: 'button', class: 'small secondary', dataset: { action }, onclick: (e) => act(e.currentTarget, () => onclick(e)) }, label);

function requireEmployer() {
  if (!employer()) throw new ApiError({ title: 'Choose an employer first 请先选择单位', detail: 'pick one in “Employer 当前单位” above, or add one under Employers' }, 0);
  return employer();
}

// ---------------------------------------------------------------------------------------------
// Session (sign in with an API key; the key lives only in the HttpOnly cookie)
async function start() {
  bindStatic();
  try {
    state.me = await get('/api/session', { signingIn: true });
  } catch {
    state.me = null;
  }
  if (state.me) await enter();
  else showSignIn();
  document.body.dataset.ready = '1';
}

function showSignIn() {
  $('#app').hidden = true;
  $('#who').hidden = true;
  $('#signin').hidden = false;
  document.body.dataset.role = '';
  $('#signin-form input[name=key]').focus();
}

async function enter() {
  state.config = await get('/api/console-config').catch(() => null);
  if (state.config) {
    const concurrency = $('#start-batch [name=concurrency]');
    concurrency.max = state.config.batchConcurrency.max;
    concurrency.placeholder = `default 默认 ${state.config.batchConcurrency.default}`;
  }
  document.body.dataset.role = state.me.role;
  $('#who-name').textContent = state.me.name;
  $('#who-role').textContent = ROLE[state.me.role] ?? state.me.role;
  $('#who-role').className = `badge role-${state.me.role}`;
  $('#signin').hidden = true;
  $('#who').hidden = false;
  $('#app').hidden = false;
  for (const el of $$('[data-write]')) el.hidden = !canWrite();
  connectEvents();
  await loadEmployers().catch(showError);
  await restoreEmployer();
  renderEmployerContext();
  await showTab(location.hash.slice(1) || 'attention');
}

function signedOut(message) {
  disconnectEvents();
  state.me = null;
  state.loaded.clear();
  state.items = null;
  state.watchDeclarations.clear();
  state.watchPayments.clear();
  for (const t of $$('#app table')) t.replaceChildren();
  $('#event-feed').replaceChildren();
  if (message) toast(message, 'warn');
  showSignIn();
}

// ---------------------------------------------------------------------------------------------
// Live events
function connectEvents() {
  disconnectEvents();
  const es = new EventSource('/api/events');
  state.events = es;
  const onEvent = (msg) => {
    try {
      handleEvent(JSON.parse(msg.data));
    } catch (err) {
      console.warn('bad event', err);
    }
  };
  // EventSource hands a named event only to its name's listeners: one per action the log writes
  // (from the server). One we do not know still shows as a gap in the seq, and a gap refreshes everything.
  for (const a of state.config?.auditActions ?? []) es.addEventListener(a, onEvent);
  es.addEventListener('message', onEvent);
  es.onopen = () => setLive('on');
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      setLive('off');
      // Refused (session ended?) or the server went away: look again in a while.
      setTimeout(async () => {
        if (state.events !== es || !state.me) return;
        if (await get('/api/session', { signingIn: true }).then(() => true, () => false)) connectEvents();
        else signedOut('The session ended: sign in again 会话已结束，请重新登录');
      }, 5_000);
    } else setLive('connecting');
  };
}
function disconnectEvents() {
  state.events?.close();
  state.events = null;
  setLive('off');
}
function setLive(mode) {
  const el = $('#live');
  el.dataset.live = mode;
  el.className = `live ${mode}`;
  el.textContent = mode === 'on' ? 'live 实时' : mode === 'connecting' ? 'reconnecting…' : 'offline';
}

const VIEWS_OF = {
  employer: ['employers'],
  declaration: ['declarations', 'payables', 'attention', 'batches'],
  declaration_batch: ['declarations', 'batches', 'schedules'],
  declaration_schedule: ['schedules', 'attention'],
  payment: ['payments', 'payables', 'declarations', 'vouchers', 'attention'],
  deduction: ['payments', 'attention'],
  voucher: ['vouchers', 'payments', 'attention'],
  certificate: ['certificates'],
  webhook: ['webhooks'],
  // Only the workflows and the audit log, refreshed after every event.
  workflow: [],
  reconciliation: [],
};
const ALL_VIEWS = ['attention', 'employers', 'declarations', 'payables', 'payments', 'vouchers', 'certificates', 'schedules', 'batches', 'webhooks'];

function handleEvent(e) {
  // A gap in the seq: an event we do not listen for; refresh everything shown.
  const missed = state.lastSeq > 0 && e.seq > state.lastSeq + 1;
  state.lastSeq = Math.max(state.lastSeq, e.seq);
  const feed = $('#event-feed');
  feed.prepend(h('li', { dataset: { seq: e.seq, action: e.action } },
    h('time', {}, time(e.at)), ' ', h('code', {}, e.action), ' ', h('span', {}, e.subject), ' ', h('span', { class: 'muted' }, `by ${e.actor}`)));
  while (feed.children.length > 100) feed.lastChild.remove();
  const kind = e.action.split('.')[0];
  refreshSoon([...(missed ? ALL_VIEWS : VIEWS_OF[kind] ?? ALL_VIEWS), 'workflows', 'auditLog']);
  notify(e);
}

/** What the operator asked for and waits on: the declaration result, the void result, the payment. */
function notify(e) {
  const [kind, what] = [e.action.split('.')[0], e.action.slice(e.action.indexOf('.') + 1)];
  if (kind === 'declaration' && state.watchDeclarations.has(e.subject)) {
    const waiting = state.watchDeclarations.get(e.subject);
    if (waiting === 'result' && ['accepted', 'rejected', 'result_unknown'].includes(what)) {
      state.watchDeclarations.delete(e.subject);
      void declarationDecided(e.subject);
    }
    if (waiting === 'void' && ['voided', 'void_rejected'].includes(what)) {
      state.watchDeclarations.delete(e.subject);
      if (what === 'voided') toast('Voided successfully 作废成功', 'ok', `declaration ${e.subject}`);
      else toast('The void was refused 作废失败', 'error', `${e.subject}: ${e.detail?.reason ?? ''}`);
    }
  }
  if (kind === 'payment' && state.watchPayments.has(e.subject)) {
    if (what === 'paid') toast('Paid 缴费成功', 'ok', `payment ${e.subject}`);
    if (what === 'awaiting_retry') toast('The deduction failed; a retry is scheduled 扣款失败，等待重试', 'warn', `${e.subject}: ${e.detail?.reason ?? ''}`);
    if (what === 'failed') toast('Payment failed 缴费失败', 'error', `${e.subject}: ${e.detail?.reason ?? ''}`);
    if (['paid', 'failed', 'cancelled'].includes(what)) state.watchPayments.delete(e.subject);
  }
  // A voucher payment is waited on until its voucher is issued: voucher.issued names the payment in its detail.
  const paymentId = e.detail?.paymentId;
  if (e.action === 'voucher.issued' && state.watchPayments.has(paymentId)) {
    toast('Voucher issued 缴费凭证开具完成', 'ok', `payment ${paymentId}: print it from the voucher records`);
    state.watchPayments.delete(paymentId);
  }
}

const LOADERS = {
  employers: () => loadEmployers(),
  declarations: () => loadDeclarations(),
  payables: () => loadPayables(),
  payments: () => loadPayments(),
  vouchers: () => loadVouchers(),
  certificates: () => loadCertificates(),
  workflows: () => loadWorkflows(),
  auditLog: () => loadAuditLog(),
  attention: () => loadAttention(),
  schedules: () => loadSchedules(),
  batches: () => loadBatches(),
  webhooks: () => loadWebhooks(),
};
let pendingViews = new Set();
let refreshTimer = null;
function refreshSoon(views) {
  for (const v of views) pendingViews.add(v);
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    const views = [...pendingViews].filter((v) => state.loaded.has(v));
    pendingViews = new Set();
    await Promise.all(views.map((v) => LOADERS[v]().catch(() => undefined)));
  }, 200);
}

// ---------------------------------------------------------------------------------------------
// Tabs and the employer in context
async function showTab(tab) {
  if (!$(`#tab-${tab}`)) tab = 'attention';
  state.tab = tab;
  if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
  for (const s of $$('.tab')) s.hidden = s.id !== `tab-${tab}`;
  for (const b of $$('#tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  // Across all employers: no employer in context.
  $('#context').hidden = ['audit', 'attention', 'schedules', 'webhooks'].includes(tab);
  // A tab shows its view of the same name, but for these.
  const load = {
    items: () => (employer() && (!state.items || state.items.employerId !== state.employerId) ? downloadItems() : undefined),
    payments: () => Promise.all([loadPayables(), loadPayments()]),
    audit: () => Promise.all([loadWorkflows(), loadAuditLog()]),
  }[tab] ?? LOADERS[tab];
  await act(null, load);
}

/** Employers seen in an answer, kept (newest data wins) so the current one and names in tables are known. */
function remember(employers) {
  for (const e of employers) {
    const i = state.employers.findIndex((k) => k.id === e.id);
    if (i >= 0) state.employers[i] = e;
    else state.employers.push(e);
  }
}
function renderEmployerContext() {
  const e = employer();
  $('#employer-current').textContent = e ? `${e.name} · ${e.taxpayerId}` : state.employers.length ? '— find an employer 请查找单位 —' : '— add an employer first 请先添加单位 —';
  const [tone, words] = e ? employerState(e) : ['muted', ''];
  $('#employer-state').replaceChildren(...[e ? h('span', { class: `badge ${tone}` }, words) : null,
    e && canWrite() && !e.passwordChangeRequired && tone !== 'ok' ? writeButton('Sign in 登录', 'context-sign-in', () => signIn(e)) : null].filter(Boolean));
}
function chooseEmployer(id) {
  if (id === state.employerId) return;
  state.employerId = id;
  localStorage.setItem('sifee.employer', id);
  state.items = null;
  state.selectedItems.clear();
  state.selectedLines.clear();
  renderEmployerContext();
  void showTab(state.tab);
}

/**
 * An employer search box (the employer in context, a schedule's employers): matches (by `q`) are
 * offered in its datalist as it is typed; an exact taxpayer ID, unit number or name, or a single
 * match on Enter, is picked (`onPick(employer)`) and the box emptied.
 */
function employerSearch(input, matches, onPick) {
  const find = async (enter) => {
    const q = input.value.trim();
    if (!q) return;
    const { employers } = await get(`/api/employers?${qs({ q, limit: 20 })}`);
    remember(employers);
    matches.replaceChildren(...employers.map((e) => h('option', { value: e.taxpayerId }, `${e.name} · ${e.unitNumber}`)));
    const exact = employers.filter((e) => [e.taxpayerId, e.unitNumber, e.name].some((v) => v.toLowerCase() === q.toLowerCase()));
    const chosen = exact.length === 1 ? exact[0] : enter && employers.length === 1 ? employers[0] : null;
    if (chosen) {
      input.value = '';
      onPick(chosen);
    } else if (enter) {
      toast(employers.length ? 'Several employers match 多个单位匹配: pick one from the list' : 'No employer matches 无匹配单位', employers.length ? 'ok' : 'error', q);
    }
  };
  let typing;
  input.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => void act(null, () => find(false)), 250);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault(); // in a form, Enter here searches: it does not submit
    clearTimeout(typing);
    void act(null, () => find(true));
  });
}

/** The employer chosen in an earlier visit, when it is not on the first page. */
async function restoreEmployer() {
  if (!state.employerId || employer()) return;
  const e = await get(`/api/employers/${encodeURIComponent(state.employerId)}`).catch(() => null);
  if (e) remember([e]);
  else state.employerId = '';
}

// ---------------------------------------------------------------------------------------------
// F-1 Employers
function employerState(e) {
  if (e.passwordChangeRequired) return ['warn', 'change the password first 需修改密码'];
  if (e.signedInUntil && Date.parse(e.signedInUntil) > Date.now()) return ['ok', `signed in 已登录 · until ${clock(e.signedInUntil)}`];
  return ['muted', 'signed out 未登录'];
}

async function loadEmployers(more = false) {
  state.loaded.add('employers');
  const { employers } = await pageOf('employers', '/api/employers?limit=100', more);
  remember(employers);
  if (!state.employerId && !more) state.employerId = employers[0]?.id ?? '';
  renderEmployerContext();
  table($('#employers-table'), ['Name 单位名称', 'Taxpayer ID 纳税人识别号', 'Unit number 单位编号', 'Tax office 主管税务机关', 'State 状态', ''],
    state.pages.employers.map((e) => {
      const [tone, words] = employerState(e);
      return h('tr', { dataset: { employerId: e.id, taxpayerId: e.taxpayerId }, class: e.id === state.employerId ? 'current' : '' },
        h('td', {}, e.name), h('td', { class: 'mono' }, e.taxpayerId), h('td', { class: 'mono' }, e.unitNumber), h('td', {}, e.taxOfficeName ?? ''),
        h('td', {}, h('span', { class: `badge ${tone}` }, words)),
        h('td', { class: 'actions' },
          e.id === state.employerId ? h('span', { class: 'muted' }, 'current 当前') : readButton('Use 选择', 'use-employer', () => chooseEmployer(e.id)),
          writeButton('Change password 修改密码', 'change-password', () => changePassword(e)),
          e.passwordChangeRequired || tone === 'ok' ? null : writeButton('Sign in 登录', 'sign-in', () => signIn(e)),
          tone === 'ok' ? writeButton('Sign out 退出', 'sign-out-employer', async () => {
            await post(`/api/employers/${e.id}/sign-out`);
            await loadEmployers();
          }, { class: 'secondary' }) : null,
          isStaff() ? h('button', { type: 'button', class: 'small danger', dataset: { action: 'password-reset' }, onclick: (ev) => act(ev.currentTarget, () => resetPassword(e)) }, 'Reset password 重置密码') : null));
    }), 'No employers yet 暂无用人单位: add one with its taxpayer ID.');
}

async function addEmployer(form) {
  const v = formValues(form);
  const added = await withFieldErrors(form, () => post('/api/employers', v));
  if (!added) return;
  form.reset();
  toast('Employer added 用人单位添加成功', 'ok', `${added.name}: change the initial declaration password now 请先修改初始申报密码`);
  remember([added]); // the newest: past the first page once there are many
  await loadEmployers();
  chooseEmployer(added.id);
  if (added.passwordChangeRequired) await changePassword(added, v.password);
}

async function changePassword(e, current = '') {
  const changed = await retryingDialog({
    id: 'change-password',
    title: `Change the declaration password 修改申报密码 · ${e.name}`,
    body: [h('p', { class: 'hint' }, 'The new password is typed twice 新申报密码需输入两次.')],
    fields: [
      { name: 'password', label: 'Current password 原申报密码', type: 'password', value: current },
      { name: 'newPassword', label: 'New password 新申报密码', type: 'password' },
      { name: 'newPasswordConfirm', label: 'New password again 再次输入新申报密码', type: 'password' },
    ],
    ok: 'Change 确定',
  }, (v) => post(`/api/employers/${e.id}/password`, v));
  if (!changed) return;
  toast('Modified successfully 修改成功', 'ok', 'now sign in with the new password 请使用新密码登录');
  await loadEmployers();
  await signIn(changed);
}

async function signIn(e) {
  const signed = await retryingDialog({
    id: 'sign-in',
    title: `Sign in 登录 · ${e.name}`,
    body: [h('p', { class: 'hint' }, 'Security check 安全认证: the declaration password.')],
    fields: [{ name: 'password', label: 'Declaration password 申报密码', type: 'password' }],
    ok: 'Sign in 登录',
  }, (v) => post(`/api/employers/${e.id}/sign-in`, v));
  if (!signed) return;
  toast('Signed in 登录成功', 'ok', `${e.name} until ${time(signed.signedInUntil)}`);
  state.employerId = '';
  chooseEmployer(e.id);
  await loadEmployers();
}

async function resetPassword(e) {
  if (!(await confirmDialog('Reset the declaration password? 重置申报密码？', [`${e.name}: back to the initial password (last 6 characters of the unit number), to be changed before use.`], 'Reset 重置', { danger: true }))) return;
  const r = await post(`/api/employers/${e.id}/password-reset`);
  toast('Password reset 密码已重置', 'ok', r.message);
  await loadEmployers();
}

// ---------------------------------------------------------------------------------------------
// F-2, F-3 Fee items and declaring
function itemFilter() {
  const v = formValues($('#items-filter'));
  return { kind: v.kind, unitNumber: v.unitNumber, agency: v.agency, period: v.period };
}
/** Points the CSV and XLSX links `#<prefix>-csv`, `#<prefix>-xlsx` at `path` with the list's filters (no link without a path). */
function exportLinks(prefix, path, filters) {
  for (const format of ['csv', 'xlsx']) {
    const a = $(`#${prefix}-${format}`);
    if (path) a.href = `${path}?${qs({ ...filters, format })}`;
    else a.removeAttribute('href');
  }
}
function updateExportLinks() {
  const e = employer();
  exportLinks('export', e && `/api/employers/${encodeURIComponent(e.id)}/fee-items/export`, itemFilter());
}

/** F-2.1: downloads the items with a progress indicator (预处理信息下载进度). */
async function downloadItems() {
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

function renderItems(err) {
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
function updateDeclareButton() {
  const data = state.items;
  const chosen = data ? data.items.filter((i) => state.selectedItems.has(i.itemId)) : [];
  const total = chosen.reduce((s, i) => s + i.amountFen, 0);
  $('#items-summary').textContent = data
    ? `${data.items.length} items 条 · total 合计 ${yuan(fenToYuan(data.items.reduce((s, i) => s + i.amountFen, 0)))} · selected 已选 ${chosen.length} · ${yuan(fenToYuan(total))}`
    : '';
  $('[data-action=declare]').disabled = chosen.length === 0;
}

/** F-2.4, F-2.5: the headcount warning, the confirmation page, submit now. */
async function declare() {
  const e = requireEmployer();
  const chosen = state.items.items.filter((i) => state.selectedItems.has(i.itemId));
  if (!(await confirmDialog('Check the headcount 核对缴费人数', [h('p', { class: 'warn' }, HEADCOUNT_WARNING), HEADCOUNT_WARNING_EN], 'OK 确定', { id: 'headcount' }))) return;
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

// ---------------------------------------------------------------------------------------------
// F-5 Declaration records, fetch now, void
async function loadDeclarations(more = false) {
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
function failingNote(e) {
  if (!e) return null;
  return h('div', { class: e.attempts >= 5 ? 'problem small' : 'small muted', dataset: { failing: String(e.attempts) } },
    `${e.attempts >= 5 ? '⚠ ' : ''}${e.activity} failed ${e.attempts}× 重试中, last at ${clock(e.at)}: ${e.message}`);
}

async function viewDeclaration(id) {
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
async function fetchResult(id) {
  state.watchDeclarations.set(id, 'result');
  const d = await post(`/api/declarations/${encodeURIComponent(id)}/fetch-result`);
  if (d.status === 'submitted') {
    toast('The result is not there yet 暂未获取到申报结果', 'warn', d.resultFetched === false ? 'the bureau is still deciding; it comes by itself' : 'the bureau says pending; it is asked again by itself');
  }
  await loadDeclarations();
}

/** A declaration this operator submitted got its result: F-2.7 asks "pay now?". */
async function declarationDecided(id) {
  const d = await get(`/api/declarations/${encodeURIComponent(id)}`).catch(() => null);
  if (!d) return;
  if (d.status === 'rejected') return void toast('The declaration was rejected 申报失败', 'error', `${d.id}: ${d.result?.reason ?? ''}`);
  if (d.status === 'result_unknown') return void toast('No result from the bureau yet 结果未知', 'warn', `${d.id}: fetch it later (立即获取)`);
  if (d.status !== 'accepted') return;
  toast('The declaration was accepted 获取申报结果成功', 'ok', `${d.id}: serial ${d.result?.serial ?? ''}`);
  if (d.payNowPrompt && canWrite()) {
    const yes = await confirmDialog('Pay now? 是否立即缴费？', [PAY_NOW, 'Accepted records are unpaid or partly paid. OK goes to the payment; Cancel ends the declaration as successful.'], 'Pay now 立即缴费', { id: 'pay-now' });
    if (yes) await goPay(d.employerId, d.id);
    else toast('Declared successfully 申报成功', 'ok', d.id);
  }
}

/** F-5.3: "void this record?", then the result within RESULT_WAIT_SECONDS or at once. */
async function voidDeclaration(d) {
  if (!(await confirmDialog('Void this record? 是否作废该记录？', [`${d.id} · ${KIND[d.kind]} · ${yuan(d.totalYuan)} · ${employerName(d.employerId)}`], 'Void 作废', { danger: true, id: 'confirm-void' }))) return;
  state.watchDeclarations.set(d.id, 'void');
  await post(`/api/declarations/${encodeURIComponent(d.id)}/void`, undefined, { idempotent: true });
  toast('Void submitted 作废已提交', 'ok', `${d.id}: the result comes within ${resultWait()}, or fetch it now (立即获取)`);
  await loadDeclarations();
}
async function fetchVoidResult(id) {
  state.watchDeclarations.set(id, 'void');
  const d = await post(`/api/declarations/${encodeURIComponent(id)}/void/fetch-result`);
  if (d.status === 'voiding') toast('The void result is not there yet 暂未获取到作废结果', 'warn', 'it comes by itself');
  await loadDeclarations();
}

async function goPay(employerId, declarationId) {
  if (employerId !== state.employerId) chooseEmployer(employerId);
  state.selectedLines.clear();
  state.preselectDeclaration = declarationId ?? null;
  await showTab('payments');
}

// ---------------------------------------------------------------------------------------------
// F-4 Payments
async function loadPayables() {
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
function updatePayMethod() {
  const form = $('#pay-form');
  const method = form.elements.namedItem('method').value;
  for (const el of $$('[data-method]', form)) {
    el.hidden = el.dataset.method === 'typed' ? method !== 'bank_voucher' || form.accountId.value !== 'typed' : el.dataset.method !== method;
  }
}
function updatePayButton() {
  $('#pay-form button[type=submit]').disabled = state.selectedLines.size === 0;
}

/** F-4.2–F-4.6: check the amounts, the password (asked again after 20101), then the method. */
async function pay() {
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
  if (!(await confirmDialog('Confirm the amount 确认缴款', [h('p', { class: 'warn' }, AMOUNT_CHECK), AMOUNT_CHECK_EN, summary, h('p', {}, `Method 缴费方式: ${how}`)], 'Confirm 确认缴费', { id: 'confirm-amount' }))) return;
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

async function loadPayments(more = false) {
  state.loaded.add('payments');
  const all = $('#payments-all').checked || !state.employerId;
  const runningOnly = $('#payments-running').checked;
  const period = $('#payments-period').validity.valid ? $('#payments-period').value.trim() : '';
  const filters = { employerId: all ? '' : state.employerId, period };
  exportLinks('payments-export', '/api/payments/export', filters);
  await readList('#payments-table', `/api/payments?${qs(filters)}`, { list: 'payments', more });
  const shown = state.pages.payments.filter((p) => !runningOnly || RUNNING_PAYMENTS.includes(p.status) || state.watchPayments.has(p.id) || Date.now() - Date.parse(p.updatedAt) < 120_000);
  table($('#payments-table'),
    ['Payment 缴费编号', all ? 'Employer 单位' : null, 'Period 所属期', 'Declarations 申报', 'Method 方式', 'Total 金额', 'Status 状态', 'Attempts 扣款', 'Next retry 下次重试', 'Voucher 凭证', 'Workflow', ''],
    shown.map((p) => {
      const last = p.attempts.at(-1);
      return h('tr', { dataset: { paymentId: p.id, status: p.status, attempts: String(p.attempts.length) } },
        h('td', { class: 'mono' }, p.id), all ? h('td', {}, employerName(p.employerId)) : null, h('td', { class: 'nowrap' }, p.periods.join(' ')),
        h('td', { class: 'small' }, [...new Set(p.lines.map((l) => l.declarationId))].map((id) => readButton(id, 'view-payment-declaration', () => viewDeclaration(id)))),
        h('td', { class: 'nowrap' }, METHOD[p.method] ?? p.method), h('td', { class: 'num' }, yuan(p.totalYuan)),
        h('td', {}, badge(p.status, PAYMENT_STATUS), p.reason && p.status !== 'paid' ? h('div', { class: 'small muted' }, p.reason) : null, failingNote(p.lastError)),
        h('td', { class: 'small' }, p.method === 'three_party' ? [`${p.attempts.length}×`, last ? ` · last 最近: ${last.outcome}${last.code ? ` ${last.code}` : ''} ${clock(last.at)}` : ''] : ''),
        h('td', { class: 'nowrap' }, p.nextRetryAt && p.status === 'awaiting_retry' ? [time(p.nextRetryAt), h('div', { class: 'small muted', dataset: { until: p.nextRetryAt } }, countdown(p.nextRetryAt))] : ''),
        h('td', {}, p.voucher ? [h('span', { class: 'mono' }, p.voucher.voucherNumber), ' ', p.voucher.pdf ? h('a', { href: p.voucher.pdf, target: '_blank', rel: 'noopener' }, 'PDF') : '',
          h('div', { class: 'small muted' }, `pay by 限缴日期 ${p.voucher.deadline}`)] : ''),
        h('td', {}, temporalLink(p.workflowId)),
        h('td', { class: 'actions' }, p.status === 'awaiting_retry' ? [
          writeButton('Retry now 立即重试', 'retry-payment', async () => {
            if (await retryDeduction(p.id, p.nextRetryAt)) await loadPayments();
          }),
          writeButton('Cancel 取消', 'cancel-payment', async () => {
            if (await cancelPayment(p.id)) await Promise.all([loadPayments(), loadPayables()]);
          }, { class: 'danger' }),
        ] : null));
    }), runningOnly ? 'No running payments 暂无进行中的缴费' : 'No payments 暂无缴费记录');
}
/**
 * F-4.7: a deduction tried again at once, after a warning: a try that fails again (the account not
 * topped up yet) counts like any other and puts the next one further off. True when it was sent.
 */
async function retryDeduction(id, nextRetryAt) {
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
async function cancelPayment(id) {
  if (!(await confirmDialog('Cancel this payment? 取消该缴费？', [`${id}: stop retrying; its lines can be paid again.`], 'Cancel payment 取消缴费', { danger: true, cancel: 'Keep 保留', id: 'confirm-cancel-payment' }))) return false;
  await post(`/api/payments/${encodeURIComponent(id)}/cancel`);
  toast('Payment cancelled 已取消缴费', 'ok', id);
  return true;
}
function countdown(iso) {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  return s <= 0 ? 'due now 即将重试' : `in 还有 ${duration(s)}`;
}

// ---------------------------------------------------------------------------------------------
// F-4.8 Voucher print records
async function loadVouchers() {
  state.loaded.add('vouchers');
  const e = employer();
  if (!e) return tableProblem($('#vouchers-table'), { title: 'Choose an employer first 请先选择单位' });
  const data = await readList('#vouchers-table', `/api/employers/${encodeURIComponent(e.id)}/vouchers`);
  table($('#vouchers-table'),
    ['Voucher 凭证序号', 'Status 状态', 'Amount 金额', 'Issued 填开日期', 'Deadline 限缴日期', 'Account 账户', 'Prints 打印次数', 'Print error 打印错误', 'File', ''],
    data.vouchers.map((v) => h('tr', { dataset: { voucherId: v.id, status: v.status } },
      h('td', { class: 'mono' }, v.voucherNumber), h('td', {}, badge(v.status, VOUCHER_STATUS)), h('td', { class: 'num' }, yuan(v.amountYuan)),
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
}

// ---------------------------------------------------------------------------------------------
// F-6, F-7 Certificates
async function printCertificate(url, body, what) {
  const e = requireEmployer();
  const res = await api('POST', `/api/employers/${encodeURIComponent(e.id)}/certificates/${url}`, body, { raw: true });
  const id = res.headers.get('x-certificate-id');
  await res.arrayBuffer();
  const link = `/api/certificates/${encodeURIComponent(id)}/pdf`;
  const box = $('#cert-result');
  box.hidden = false;
  box.replaceChildren('Printed successfully 打印成功: ', what, ' ', h('a', { href: link, target: '_blank', rel: 'noopener', dataset: { certificateId: id } }, `${id}.pdf`));
  toast('Printed successfully 打印成功', 'ok', what);
  await loadCertificates();
}
async function loadCertificates(more = false) {
  state.loaded.add('certificates');
  const e = employer();
  if (!e) return tableProblem($('#certificates-table'), { title: 'Choose an employer first 请先选择单位' });
  await readList('#certificates-table', `/api/employers/${encodeURIComponent(e.id)}/certificates`, { list: 'certificates', more });
  table($('#certificates-table'), ['Certificate 证明', 'Period 所属期', 'Number 证明号码', 'Issue date 开具日期', 'Printed by 打印人', 'At 时间', 'File'],
    state.pages.certificates.map((c) => h('tr', { dataset: { certificateId: c.id, kind: c.kind } },
      h('td', {}, c.kind === 'payment' ? '缴费证明 payment' : '完税证明 tax', c.reprint ? h('span', { class: 'badge info' }, '补打 reprint') : ''),
      h('td', {}, c.period), h('td', { class: 'mono' }, c.certificateNumber ?? ''), h('td', {}, c.issueDate), h('td', {}, c.createdBy), h('td', { class: 'nowrap' }, time(c.createdAt)),
      h('td', {}, h('a', { href: c.pdf, target: '_blank', rel: 'noopener' }, 'PDF')))),
    'Nothing printed yet 暂无打印记录');
}

// ---------------------------------------------------------------------------------------------
// The attention list 待办: what must be acted on, across all employers, most urgent first
const ATTENTION_KIND = {
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

async function loadAttention() {
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
function attentionActions(i) {
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
async function openOnTab(employerId, tab) {
  if (employerId && !state.employers.some((e) => e.id === employerId)) remember([await get(`/api/employers/${encodeURIComponent(employerId)}`)]);
  if (employerId && employerId !== state.employerId) {
    state.tab = tab;
    chooseEmployer(employerId);
  } else await showTab(tab);
}

// ---------------------------------------------------------------------------------------------
// Declaration schedules 申报计划: a batch declaration every month at a China time
const PERIOD_RULE = { previous_month: 'previous month 上月', current_month: 'current month 当月' };
const confirmHeadcount = () => confirmDialog('Check the headcount 核对缴费人数', [h('p', { class: 'warn' }, HEADCOUNT_WARNING), HEADCOUNT_WARNING_EN], 'OK 确定', { id: 'headcount' });
const idList = (text) => [...new Set(text.split(/[\s,，]+/).filter(Boolean))];
const progressText = (p) => `${p.done + p.skipped + p.failed}/${p.total} finished 已完成 · accepted 成功 ${p.accepted} · rejected 失败 ${p.rejected} · unknown 未知 ${p.resultUnknown} · skipped 跳过 ${p.skipped} · failed 出错 ${p.failed} · declaring 申报中 ${p.declaring}`;

async function loadSchedules() {
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
function runSummary(r) {
  return [badge(r.status === 'failed' ? 'failed' : r.batch?.status ?? r.status), ' ', r.period, ' ', h('span', { class: 'small muted' }, `${r.trigger} · ${time(r.scheduledAt)}`),
    r.error ? h('div', { class: 'small problem' }, `${r.error.code}: ${r.error.message}`) : null];
}
async function showSchedule(id, reloadList = true) {
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
function pickScheduleEmployer(id) {
  if (!state.scheduleEmployers.includes(id)) state.scheduleEmployers.push(id);
  renderScheduleEmployers();
}
/** The new schedule's employers: all, or those picked (each a chip to remove). */
function renderScheduleEmployers() {
  $('#schedule-employer-picker').hidden = $('#add-schedule [name=scope]').value !== 'chosen';
  $('#schedule-employers').replaceChildren(...state.scheduleEmployers.map((id) => h('span', { class: 'chip', dataset: { employerId: id } }, employerName(id),
    h('button', { type: 'button', class: 'remove', 'aria-label': 'remove 移除', onclick: () => {
      state.scheduleEmployers = state.scheduleEmployers.filter((k) => k !== id);
      renderScheduleEmployers();
    } }, '×'))));
}
async function addSchedule(form) {
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

// ---------------------------------------------------------------------------------------------
// Batch declarations 批量申报: progress and the report per employer
const BATCH_ENTRY = { pending: 'pending 待处理', declaring: 'declaring 申报中', done: 'done 已完成', skipped: 'skipped 已跳过', failed: 'failed 出错' };
Object.assign(TONE, { running: 'info', completed: 'ok', done: 'ok', declaring: 'info', pending: 'muted', skipped: 'muted', started: 'info' });

async function loadBatches(more = false) {
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
async function showBatch(id) {
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
async function openBatch(id) {
  state.batchId = id;
  await showTab('batches');
}
async function startBatch(form) {
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

// ---------------------------------------------------------------------------------------------
// Webhooks: signed deliveries of events, their attempts, redelivery
Object.assign(TONE, { delivered: 'ok', cancelled: 'muted' });
async function loadWebhooks() {
  state.loaded.add('webhooks');
  const data = await readList('#webhooks-table', '/api/webhooks');
  table($('#webhooks-table'), ['Webhook', 'URL', 'Events 事件', 'Description 说明', 'Added 添加', ''],
    data.webhooks.map((w) => h('tr', { dataset: { webhookId: w.id }, class: w.id === state.webhookId ? 'current' : '' },
      h('td', { class: 'mono' }, w.id), h('td', { class: 'mono' }, w.url), h('td', {}, w.events.join(', ')), h('td', {}, w.description ?? ''),
      h('td', { class: 'nowrap' }, time(w.createdAt), h('div', { class: 'small muted' }, w.createdBy)),
      h('td', { class: 'actions' },
        readButton('Deliveries 投递记录', 'view-deliveries', () => showDeliveries(w)),
        deleteButton('delete-webhook', ['Delete this webhook? 删除该 webhook？', `${w.url}: nothing more is delivered to it.`], `/api/webhooks/${encodeURIComponent(w.id)}`,
          { id: w.id, shownAs: 'webhookId', detail: '#webhook-detail', reload: loadWebhooks })))),
    'No webhooks 暂无 webhook');
  const shown = data.webhooks.find((w) => w.id === state.webhookId);
  if (shown) await showDeliveries(shown);
}
async function showDeliveries(w) {
  state.webhookId = w.id;
  const { deliveries } = await get(`/api/webhooks/${encodeURIComponent(w.id)}/deliveries?limit=100`);
  $('#webhook-detail').hidden = false;
  $('#webhook-title').textContent = `Deliveries 投递记录 · ${w.url}`;
  table($('#deliveries-table'), ['Event 事件', 'Subject 对象', 'At 时间', 'Status 状态', 'Attempts 尝试', 'Next 下次', ''],
    deliveries.map((d) => h('tr', { dataset: { deliveryId: d.id, status: d.status } },
      h('td', {}, h('code', {}, d.type)), h('td', { class: 'mono' }, d.subject), h('td', { class: 'nowrap' }, time(d.eventAt)),
      h('td', {}, badge(d.status), d.round > 1 ? h('span', { class: 'small muted' }, ` round ${d.round}`) : ''),
      h('td', { class: 'small' }, d.attempts.map((a) => h('div', {}, `${a.round}.${a.n} ${clock(a.at)} → ${a.statusCode ?? a.error ?? '?'} (${a.durationMs} ms)`))),
      h('td', { class: 'nowrap' }, time(d.nextAttemptAt)),
      h('td', { class: 'actions' }, d.status === 'pending' ? null : writeButton('Redeliver 重新投递', 'redeliver', async () => {
        await post(`/api/webhooks/${encodeURIComponent(w.id)}/deliveries/${encodeURIComponent(d.id)}/redeliver`);
        toast('Redelivering 正在重新投递', 'ok', d.id);
        await showDeliveries(w);
      })))),
    'Nothing delivered yet 暂无投递');
}
async function addWebhook(form) {
  const v = formValues(form);
  const w = await post('/api/webhooks', { url: v.url, events: idList(v.events), ...(v.description ? { description: v.description } : {}) });
  form.reset();
  // The signing secret is answered only now: shown once, to be copied into the receiver.
  await dialog({ id: 'webhook-secret', title: 'The signing secret 签名密钥 (shown once 仅显示一次)', cancel: null, ok: 'I have copied it 已复制',
    body: [h('p', {}, `${w.url}: verify each delivery’s signature with it (docs/webhooks.md). It is not shown again.`), h('p', {}, h('code', { class: 'secret' }, w.secret))] });
  state.webhookId = w.id;
  await loadWebhooks();
}

// ---------------------------------------------------------------------------------------------
// Auditor tools: workflows, history export, replay, the audit log and its verification
function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const k of keys) if (Array.isArray(data?.[k])) return data[k];
  return [];
}
async function loadWorkflows() {
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
async function replay(workflowIds) {
  const data = await post('/api/audit/replay', workflowIds ? { workflowIds } : {});
  return listOf(data, 'results');
}
function showReplay(results) {
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
function isoOf(china, end = false) {
  if (!china) return '';
  const [d, t] = china.split(' ');
  return new Date(`${d}T${t ? `${t}:00.000` : end ? '23:59:59.999' : '00:00:00.000'}+08:00`).toISOString();
}
async function loadAuditLog(more = false) {
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
function detailText(value, key = '') {
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
async function verifyLog() {
  const r = await get('/api/audit/log/verify');
  const ok = r.intact ?? r.ok;
  const el = $('#verify-result');
  el.className = `badge ${ok ? 'ok' : 'bad'}`;
  el.dataset.ok = String(Boolean(ok));
  el.textContent = ok
    ? `✓ intact 完整 · ${r.checked ?? 0} entries${r.head ? ` · head #${r.head.seq} ${String(r.head.hash).slice(0, 12)}…` : ''}`
    : `✗ broken 链已断 at #${r.firstBroken?.seq ?? '?'}: ${r.firstBroken?.problem ?? ''} ${r.firstBroken?.detail ?? ''}`;
}

// ---------------------------------------------------------------------------------------------
// Wiring
function bindStatic() {
  $('#signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    void act(form.querySelector('button'), async () => {
      state.me = await post('/api/session', { key: form.key.value.trim() }, { signingIn: true });
      form.reset();
      await enter();
    });
  });
  $('#sign-out').addEventListener('click', (ev) => act(ev.currentTarget, async () => {
    await api('DELETE', '/api/session', undefined, { signingIn: true });
    signedOut();
    toast('Signed out 已退出', 'ok');
  }));
  $('#tabs').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-tab]');
    if (b) void showTab(b.dataset.tab);
  });
  employerSearch($('#employer-search'), $('#employer-matches'), (e) => chooseEmployer(e.id));
  employerSearch($('#schedule-employer-search'), $('#schedule-employer-matches'), (e) => pickScheduleEmployer(e.id));
  $('#add-schedule [name=scope]').addEventListener('change', renderScheduleEmployers);
  const onSubmit = (sel, fn) => $(sel).addEventListener('submit', (ev) => {
    ev.preventDefault();
    void act(ev.currentTarget.querySelector('button[type=submit]'), () => fn(ev.currentTarget));
  });
  onSubmit('#add-employer', addEmployer);
  onSubmit('#items-filter', () => downloadItems());
  onSubmit('#declarations-filter', () => loadDeclarations());
  onSubmit('#pay-form', () => pay());
  onSubmit('#cert-payment', (f) => printCertificate('payment', { period: f.period.value }, `缴费证明 payment certificate ${f.period.value}`));
  onSubmit('#cert-tax', (f) => printCertificate('tax', { period: f.period.value }, `完税证明 tax certificate ${f.period.value}`));
  onSubmit('#cert-reprint', (f) => printCertificate('tax/reprint', { issueDate: f.issueDate.value, ...(f.period.value ? { period: f.period.value } : {}) }, `完税证明补打 reprint of ${f.issueDate.value}`));
  onSubmit('#workflows-filter', () => loadWorkflows());
  onSubmit('#add-schedule', addSchedule);
  onSubmit('#start-batch', startBatch);
  onSubmit('#add-webhook', addWebhook);
  onSubmit('#audit-filter', () => loadAuditLog());
  $('#workflows-filter [name=currentEmployer]').addEventListener('change', () => act(null, loadWorkflows));
  $('#workflows-filter [name=routine]').addEventListener('change', () => act(null, loadWorkflows));
  $('#audit-filter [name=routine]').addEventListener('change', () => act(null, () => loadAuditLog()));
  $('#items-filter').addEventListener('input', updateExportLinks);
  $('#pay-form').addEventListener('change', updatePayMethod);
  $('#payments-running').addEventListener('change', () => act(null, loadPayments));
  $('#payments-all').addEventListener('change', () => act(null, loadPayments));
  $('#payments-period').addEventListener('change', () => act(null, loadPayments));
  $('#declarations-filter [name=allEmployers]').addEventListener('change', () => act(null, loadDeclarations));
  const statusSelect = $('#declarations-filter [name=status]');
  for (const [value, words] of Object.entries(DECLARATION_STATUS)) statusSelect.append(h('option', { value }, words));
  document.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-action]');
    if (!b) return;
    const actions = {
      'refresh-employers': loadEmployers,
      'refresh-payables': loadPayables,
      'refresh-vouchers': loadVouchers,
      'refresh-certificates': loadCertificates,
      declare,
      'go-pay': () => goPay(state.employerId),
      'replay-listed': async () => showReplay(await replay(state.workflows.map((w) => w.workflowId ?? w.id))),
      'verify-log': verifyLog,
      'audit-more': () => loadAuditLog(true),
      'employers-more': () => loadEmployers(true),
      'declarations-more': () => loadDeclarations(true),
      'payments-more': () => loadPayments(true),
      'certificates-more': () => loadCertificates(true),
      'replay-closed': async () => showReplay(await replay(null)),
      'refresh-attention': loadAttention,
      'refresh-schedules': loadSchedules,
      'refresh-batches': loadBatches,
      'refresh-webhooks': loadWebhooks,
      'batches-more': () => loadBatches(true),
      'schedule-add-current': () => pickScheduleEmployer(requireEmployer().id),
    };
    if (actions[b.dataset.action]) void act(b, actions[b.dataset.action]);
  });
  window.addEventListener('hashchange', () => state.me && showTab(location.hash.slice(1)));
  // Countdowns to the next retry, and sign-in expiry shown as it happens.
  setInterval(() => {
    for (const el of $$('[data-until]')) el.textContent = countdown(el.dataset.until);
  }, 1000);
}

void start();
