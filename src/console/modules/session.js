// Session: sign in with an API key; the key lives only in the HttpOnly cookie.
/* global document, location */
import { get } from './api.js';
import { $, $$ } from './dom.js';
import { loadEmployers } from './employers.js';
import { connectEvents, disconnectEvents } from './events.js';
import { canWrite, state } from './state.js';
import { renderEmployerContext, restoreEmployer, showTab } from './tabs.js';
import { showError, toast } from './ui.js';
import { ROLE } from './words.js';

export async function start() {
  try {
    state.me = await get('/api/session', { signingIn: true });
  } catch {
    state.me = null;
  }
  if (state.me) await enter();
  else showSignIn();
  document.body.dataset.ready = '1';
}

export function showSignIn() {
  $('#app').hidden = true;
  $('#who').hidden = true;
  $('#signin').hidden = false;
  document.body.dataset.role = '';
  $('#signin-form input[name=key]').focus();
}

export async function enter() {
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

export function signedOut(message) {
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
