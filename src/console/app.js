// The operator console (社保费申报缴费): a plain ES module, no framework, no build step. It
// talks to the API under /api with the session cookie that POST /api/session sets, and
// follows state changes live through EventSource on /api/events.
/* global document, window, location, setInterval */
import { api, post } from './modules/api.js';
import { loadAttention } from './modules/attention.js';
import { loadAuditLog, loadWorkflows, replay, showReplay, verifyLog } from './modules/audit.js';
import { loadBatches, startBatch } from './modules/batches.js';
import { loadCertificates, printCertificate } from './modules/certificates.js';
import { goPay, loadDeclarations } from './modules/declarations.js';
import { $, $$, h } from './modules/dom.js';
import { addEmployer, loadEmployers } from './modules/employers.js';
import { loadMonth, monthDeclare, monthPay, monthPrint, queryMonth } from './modules/month.js';
import { declare, downloadItems, updateExportLinks } from './modules/items.js';
import { countdown, loadPayables, loadPayments, pay, updatePayMethod } from './modules/payments.js';
import { addSchedule, loadSchedules, pickScheduleEmployer, renderScheduleEmployers } from './modules/schedules.js';
import { enter, signedOut, start } from './modules/session.js';
import { state } from './modules/state.js';
import { chooseEmployer, employerSearch, showTab } from './modules/tabs.js';
import { act, requireEmployer, toast } from './modules/ui.js';
import { loadVouchers } from './modules/vouchers.js';
import { addWebhook, loadWebhooks } from './modules/webhooks.js';
import { DECLARATION_STATUS } from './modules/words.js';

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
  onSubmit('#month-filter', queryMonth);
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
      'month-more': () => loadMonth(true),
      'month-declare': monthDeclare,
      'month-pay': monthPay,
      'month-print-payment': () => monthPrint('print_payment_certificates'),
      'month-print-tax': () => monthPrint('print_tax_certificates'),
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

bindStatic();
void start();
