// Tabs and the employer in context.
/* global location, history, localStorage, setTimeout, clearTimeout */
import { get } from './api.js';
import { $, $$, h, qs } from './dom.js';
import { employerState, signIn } from './employers.js';
import { canWrite, employer, state } from './state.js';
import { act, toast, writeButton } from './ui.js';
import { tabOf } from './views.js';

export async function showTab(tab) {
  if (!$(`#tab-${tab}`)) tab = 'attention';
  state.tab = tab;
  if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
  for (const s of $$('.tab')) s.hidden = s.id !== `tab-${tab}`;
  for (const b of $$('#tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  const shown = tabOf(tab);
  $('#context').hidden = shown.acrossEmployers;
  await act(null, shown.load);
}

/** Employers seen in an answer, kept (newest data wins) so the current one and names in tables are known. */
export function remember(employers) {
  for (const e of employers) {
    const i = state.employers.findIndex((k) => k.id === e.id);
    if (i >= 0) state.employers[i] = e;
    else state.employers.push(e);
  }
}
export function renderEmployerContext() {
  const e = employer();
  $('#employer-current').textContent = e ? `${e.name} · ${e.taxpayerId}` : state.employers.length ? '— find an employer 请查找单位 —' : '— add an employer first 请先添加单位 —';
  const [tone, words] = e ? employerState(e) : ['muted', ''];
  $('#employer-state').replaceChildren(...[e ? h('span', { class: `badge ${tone}` }, words) : null,
    e && canWrite() && !e.passwordChangeRequired && tone !== 'ok' ? writeButton('Sign in 登录', 'context-sign-in', () => signIn(e)) : null].filter(Boolean));
}
export function chooseEmployer(id) {
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
export function employerSearch(input, matches, onPick) {
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
export async function restoreEmployer() {
  if (!state.employerId || employer()) return;
  const e = await get(`/api/employers/${encodeURIComponent(state.employerId)}`).catch(() => null);
  if (e) remember([e]);
  else state.employerId = '';
}
