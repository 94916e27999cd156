// Live events: the event stream, and the views each event refreshes.
/* global EventSource, console, setTimeout, clearTimeout */
import { get } from './api.js';
import { declarationDecided } from './declarations.js';
import { $, h, time } from './dom.js';
import { signedOut } from './session.js';
import { state } from './state.js';
import { toast } from './ui.js';
import { loadView, viewNames, viewsRefreshedBy } from './views.js';

export function connectEvents() {
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
export function disconnectEvents() {
  state.events?.close();
  state.events = null;
  setLive('off');
}
export function setLive(mode) {
  const el = $('#live');
  el.dataset.live = mode;
  el.className = `live ${mode}`;
  el.textContent = mode === 'on' ? 'live 实时' : mode === 'connecting' ? 'reconnecting…' : 'offline';
}

export function handleEvent(e) {
  // A gap in the seq: an event we do not listen for; refresh everything shown.
  const missed = state.lastSeq > 0 && e.seq > state.lastSeq + 1;
  state.lastSeq = Math.max(state.lastSeq, e.seq);
  const feed = $('#event-feed');
  feed.prepend(h('li', { dataset: { seq: e.seq, action: e.action } },
    h('time', {}, time(e.at)), ' ', h('code', {}, e.action), ' ', h('span', {}, e.subject), ' ', h('span', { class: 'muted' }, `by ${e.actor}`)));
  while (feed.children.length > 100) feed.lastChild.remove();
  const kind = e.action.split('.')[0];
  refreshSoon(missed ? viewNames() : viewsRefreshedBy(kind));
  notify(e);
}

/** What the operator asked for and waits on: the declaration result, the void result, the payment. */
export function notify(e) {
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

export let pendingViews = new Set();
export let refreshTimer = null;
export function refreshSoon(views) {
  for (const v of views) pendingViews.add(v);
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    const views = [...pendingViews].filter((v) => state.loaded.has(v));
    pendingViews = new Set();
    await Promise.all(views.map((v) => loadView(v)?.catch(() => undefined)));
  }, 200);
}
