// F-1 Employers: add, change the password, sign in.
import { post } from './api.js';
import { $, clock, formValues, h, time } from './dom.js';
import { isStaff, state } from './state.js';
import { chooseEmployer, remember, renderEmployerContext } from './tabs.js';
import { act, confirmDialog, pageOf, readButton, retryingDialog, table, toast, withFieldErrors, writeButton } from './ui.js';
import { registerView } from './views.js';

registerView('employers', { load: () => loadEmployers(), refreshedBy: ['employer'] });

export function employerState(e) {
  if (e.passwordChangeRequired) return ['warn', 'change the password first 需修改密码'];
  if (e.signedInUntil && Date.parse(e.signedInUntil) > Date.now()) return ['ok', `signed in 已登录 · until ${clock(e.signedInUntil)}`];
  return ['muted', 'signed out 未登录'];
}

export async function loadEmployers(more = false) {
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

export async function addEmployer(form) {
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

export async function changePassword(e, current = '') {
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

export async function signIn(e) {
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

export async function resetPassword(e) {
  if (!(await confirmDialog('Reset the declaration password? 重置申报密码？', [`${e.name}: back to the initial password (last 6 characters of the unit number), to be changed before use.`], 'Reset 重置', { danger: true }))) return;
  const r = await post(`/api/employers/${e.id}/password-reset`);
  toast('Password reset 密码已重置', 'ok', r.message);
  await loadEmployers();
}
