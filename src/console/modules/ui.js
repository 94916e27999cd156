// Toasts, errors shown at their field, dialogs and tables.
/* global document, setTimeout, Node, HTMLInputElement */
import { api, ApiError, get } from './api.js';
import { $, formValues, h, qs } from './dom.js';
import { canWrite, employer, state } from './state.js';

export function toast(title, kind = 'ok', detail) {
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
export function problemText(err) {
  return [err.detail, err.code ? `(${err.code}${err.status ? ` · ${err.status}` : ''})` : ''].filter(Boolean).join(' ');
}
export function showError(err) {
  if (!(err instanceof ApiError)) err = new ApiError({ title: 'Something went wrong 出错了', detail: String(err?.message ?? err) }, 0);
  toast(err.title, 'error', problemText(err));
}
/** The field a refusal is about, by its code: its message goes next to that field. */
export const PROBLEM_FIELD = {
  TAXPAYER_ID_INVALID: 'taxpayerId', TAXPAYER_ID_MISMATCH: 'taxpayerIdConfirm', UNIT_NUMBER_MISMATCH: 'unitNumber', EMPLOYER_EXISTS: 'taxpayerId',
  PASSWORD_INVALID: 'password', NEW_PASSWORD_INVALID: 'newPassword',
};
/** Marks `input` invalid with `message` beside it (read out with it); the mark goes at the next input. */
export function markInvalid(input, message) {
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
export async function withFieldErrors(form, fn) {
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
export async function act(button, fn) {
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

export let dialogChain = Promise.resolve();
/** A modal: a title, some content, fields; resolves to the field values on OK, null on cancel. One at a time. */
export function dialog(opts) {
  const shown = dialogChain.then(() => openDialog(opts));
  dialogChain = shown.catch(() => undefined);
  return shown;
}
export function openDialog({ title, body = [], fields = [], ok = 'OK 确定', cancel = 'Cancel 取消', danger = false, error = null, errorField = null, id = 'dialog' }) {
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
export const confirmDialog = (title, body, ok, opts = {}) => dialog({ title, body: body.map((b) => (b instanceof Node ? b : h('p', {}, b))), ok, ...opts }).then((v) => v !== null);

/** A dialog whose action may be refused with a problem the operator can fix (a wrong password): asked again with the problem shown. */
export async function retryingDialog(opts, action) {
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
export function table(el, headers, rows, empty) {
  headers = headers.filter((c) => c !== null);
  el.replaceChildren(
    h('thead', {}, h('tr', {}, headers.map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.length ? rows : h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, empty))),
  );
}
/** A paged list (its rows are the answer's `items`, by default its `list`): the first page, or (more) the next one appended; its "more" button shows while pages remain. */
export async function pageOf(list, url, more, items = list) {
  const data = await get(`${url}${url.includes('?') ? '&' : '?'}${qs({ cursor: more ? state.cursors[list] ?? '' : '' })}`);
  state.pages[list] = more ? [...state.pages[list], ...data[items]] : data[items];
  state.cursors[list] = data.nextCursor ?? null;
  $(`[data-action=${list}-more]`).hidden = state.cursors[list] === null;
  return data;
}
/**
 * Reads what a table lists: the answer of `url`, or with `page` ({ list, more, items? }) a page of that
 * paged list (pageOf). A problem shows in the table, and is thrown on for the toast.
 */
export async function readList(tableSel, url, page) {
  try {
    return await (page ? pageOf(page.list, url, page.more, page.items) : get(url));
  } catch (err) {
    tableProblem($(tableSel), err);
    throw err;
  }
}
export function tableProblem(el, err) {
  el.replaceChildren(h('tbody', {}, h('tr', { class: 'empty problem' }, h('td', {}, h('strong', {}, err.title ?? 'Error'), ' ', problemText(err)))));
}
export function temporalLink(workflowId) {
  if (!workflowId || !state.config) return '';
  const url = `${state.config.temporalUiUrl}/namespaces/${encodeURIComponent(state.config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return h('a', { href: url, target: '_blank', rel: 'noopener', class: 'temporal', title: `${workflowId} in the Temporal UI` }, 'Temporal ↗');
}
export const writeButton = (label, action, onclick, extra = {}) =>
  canWrite() ? h('button', { type: 'button', class: `small ${extra.class ?? ''}`, dataset: { action, write: '' }, onclick: (e) => act(e.currentTarget, () => onclick(e)) }, label) : null;
/** Deletes `path` once the operator confirms ([question, consequence]); closes its detail when it is the one shown (state[shownAs]), then reloads the list. */
export const deleteButton = (action, [question, consequence], path, { id, shownAs, detail, reload }) =>
  writeButton('Delete 删除', action, async () => {
    if (!(await confirmDialog(question, [consequence], 'Delete 删除', { danger: true }))) return;
    await api('DELETE', path);
    if (state[shownAs] === id) {
      state[shownAs] = null;
      $(detail).hidden = true;
    }
    await reload();
  }, { class: 'danger' });
export const readButton = (label, action, onclick) => h('button', { type: 'button', class: 'small secondary', dataset: { action }, onclick: (e) => act(e.currentTarget, () => onclick(e)) }, label);

export function requireEmployer() {
  if (!employer()) throw new ApiError({ title: 'Choose an employer first 请先选择单位', detail: 'pick one in “Employer 当前单位” above, or add one under Employers' }, 0);
  return employer();
}
