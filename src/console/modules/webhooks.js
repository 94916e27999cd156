// Webhooks: signed deliveries of events, their attempts, redelivery.
import { get, post } from './api.js';
import { $, clock, formValues, h, time } from './dom.js';
import { idList } from './schedules.js';
import { state } from './state.js';
import { deleteButton, dialog, readButton, readList, table, toast, writeButton } from './ui.js';
import { badge, TONE } from './words.js';
import { registerTab, registerView } from './views.js';

registerView('webhooks', { load: () => loadWebhooks(), refreshedBy: ['webhook'] });
registerTab('webhooks', { acrossEmployers: true });

Object.assign(TONE, { delivered: 'ok', cancelled: 'muted' });
export async function loadWebhooks() {
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
export async function showDeliveries(w) {
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
export async function addWebhook(form) {
  const v = formValues(form);
  const w = await post('/api/webhooks', { url: v.url, events: idList(v.events), ...(v.description ? { description: v.description } : {}) });
  form.reset();
  // The signing secret is answered only now: shown once, to be copied into the receiver.
  await dialog({ id: 'webhook-secret', title: 'The signing secret 签名密钥 (shown once 仅显示一次)', cancel: null, ok: 'I have copied it 已复制',
    body: [h('p', {}, `${w.url}: verify each delivery’s signature with it (docs/webhooks.md). It is not shown again.`), h('p', {}, h('code', { class: 'secret' }, w.secret))] });
  state.webhookId = w.id;
  await loadWebhooks();
}
