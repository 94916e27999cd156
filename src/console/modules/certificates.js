// F-6, F-7 Certificates.
import { api } from './api.js';
import { $, h, time } from './dom.js';
import { employer, state } from './state.js';
import { readList, requireEmployer, table, tableProblem, toast } from './ui.js';
import { registerView } from './views.js';

registerView('certificates', { load: () => loadCertificates(), refreshedBy: ['certificate'] });

export async function printCertificate(url, body, what) {
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
export async function loadCertificates(more = false) {
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
