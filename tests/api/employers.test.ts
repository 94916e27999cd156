// Employers, the declaration password and sign-in (F-1), through the API against the bureau.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { employers } from '../../src/db/schema';
import { WRONG_PASSWORD_MESSAGE, initialPassword } from '../../src/domain/password';
import { NEW_PASSWORD, addEmployer, addSignedInEmployer, taxpayerId, unitNumber } from '../support/employers';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** What an answer was, for an assertion's message. */
const shown = (r: { data?: unknown; error?: unknown }) => JSON.stringify(r.error ?? r.data);

const addRequest = (body: { taxpayerId: string; taxpayerIdConfirm: string; unitNumber: string; password: string }) => stack.client.POST('/api/employers', { body });
const changePassword = (id: string, body: { password: string; newPassword: string; newPasswordConfirm: string }) =>
  stack.client.POST('/api/employers/{id}/password', { params: { path: { id } }, body });
const signIn = (id: string, password: string) => stack.client.POST('/api/employers/{id}/sign-in', { params: { path: { id } }, body: { password } });
const feeItems = (id: string) => stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id } } });
const resetPassword = (id: string, role: 'operator' | 'auditor' | 'staff') =>
  (role === 'operator' ? stack.client : stack.clientAs(role)).POST('/api/employers/{id}/password-reset', { params: { path: { id } } });

async function employerCount(): Promise<number> {
  return (await stack.client.GET('/api/employers')).data!.employers.length;
}

describe('adding an employer (F-1.1, F-1.2)', () => {
  it('compares the taxpayer ID typed twice, and adds nothing when they differ', async () => {
    const before = await employerCount();
    const res = await addRequest({ taxpayerId: taxpayerId(1), taxpayerIdConfirm: taxpayerId(2), unitNumber: unitNumber(1), password: '000001' });
    expect(res.response.status).toBe(422);
    expect(res.response.headers.get('content-type')).toContain('application/problem+json');
    expect(res.error!.code).toBe('TAXPAYER_ID_MISMATCH');
    expect(await employerCount()).toBe(before);
  });

  it('checks the Unified Social Credit Code and says what is wrong', async () => {
    const wrongCheck = '915201146629566697';
    const res = await addRequest({ taxpayerId: wrongCheck, taxpayerIdConfirm: wrongCheck, unitNumber: '5201000001', password: '000001' });
    expect(res.response.status).toBe(422);
    expect(res.error).toMatchObject({ code: 'TAXPAYER_ID_INVALID' });
    expect(res.error!.detail).toContain('should be "6"');
    const short = await addRequest({ taxpayerId: '91520114', taxpayerIdConfirm: '91520114', unitNumber: '5201000001', password: '000001' });
    expect(short.error!.detail).toContain('18 characters');
  });

  it('refuses an employer the bureau does not know, or a wrong unit number', async () => {
    const unknown = taxpayerId(900);
    const res = await addRequest({ taxpayerId: unknown, taxpayerIdConfirm: unknown, unitNumber: unitNumber(900), password: '000900' });
    expect(res.response.status).toBe(422);
    expect(res.error!.code).toBe('UNKNOWN_AT_BUREAU');
    await stack.admin('/admin/employers', { taxpayerId: taxpayerId(3), unitNumber: unitNumber(3), name: '贵阳测试3有限公司' });
    const mismatch = await addRequest({ taxpayerId: taxpayerId(3), taxpayerIdConfirm: taxpayerId(3), unitNumber: '999999', password: '999999' });
    expect(mismatch.error!.code).toBe('UNIT_NUMBER_MISMATCH');
  });

  it('checks the initial password with the bureau: exactly its 20101 message when wrong', async () => {
    await stack.admin('/admin/employers', { taxpayerId: taxpayerId(4), unitNumber: unitNumber(4), name: '贵阳测试4有限公司' });
    const res = await addRequest({ taxpayerId: taxpayerId(4), taxpayerIdConfirm: taxpayerId(4), unitNumber: unitNumber(4), password: '123456' });
    expect(res.response.status).toBe(422);
    expect(res.error).toMatchObject({ code: 'PASSWORD_INVALID', bureauCode: '20101', detail: WRONG_PASSWORD_MESSAGE });
  });

  it('accepts the padded initial password of a short unit number', async () => {
    await stack.admin('/admin/employers', { taxpayerId: taxpayerId(5), unitNumber: '1234', name: '贵阳短编号有限公司' });
    const res = await addRequest({ taxpayerId: taxpayerId(5), taxpayerIdConfirm: taxpayerId(5), unitNumber: '1234', password: '123400' });
    expect(res.response.status, shown(res)).toBe(201);
    expect(res.data!.passwordChangeRequired).toBe(true);
    const again = await addRequest({ taxpayerId: taxpayerId(5), taxpayerIdConfirm: taxpayerId(5), unitNumber: '1234', password: '123400' });
    expect(again.response.status).toBe(409);
  });
});

describe('the password must be changed first (F-1.3)', () => {
  it('refuses every action for the employer until the password is changed, then asks to sign in', async () => {
    const employer = await addEmployer(stack, 10);
    const path = { id: employer.id };
    for (const res of [
      await feeItems(employer.id),
      await stack.client.GET('/api/employers/{id}/fee-items/export', { params: { path, query: { format: 'csv' } }, parseAs: 'text' }),
      await stack.client.POST('/api/employers/{id}/declarations', { params: { path }, body: { kind: 'regular', itemIds: ['x'], headcountConfirmed: true } }),
      await signIn(employer.id, initialPassword(employer.unitNumber)),
    ]) {
      expect(res.response.status, shown(res)).toBe(409);
      expect(res.error!.code).toBe('PASSWORD_CHANGE_REQUIRED');
      expect(res.error!.detail).toContain(`/api/employers/${employer.id}/password`);
    }

    const initial = initialPassword(employer.unitNumber);
    const mismatch = await changePassword(employer.id, { password: initial, newPassword: NEW_PASSWORD, newPasswordConfirm: 'Other2026' });
    expect(mismatch.response.status).toBe(422);
    expect(mismatch.error!.code).toBe('NEW_PASSWORD_INVALID');
    const wrong = await changePassword(employer.id, { password: '000000', newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(wrong.error).toMatchObject({ status: 422, code: 'PASSWORD_INVALID', detail: WRONG_PASSWORD_MESSAGE });
    const changed = await changePassword(employer.id, { password: initial, newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(changed.response.status, shown(changed)).toBe(200);
    expect(changed.data).toMatchObject({ passwordChangeRequired: false, signedInUntil: null });
    expect(changed.data!.message).toContain('修改成功');

    const notSignedIn = await feeItems(employer.id);
    expect(notSignedIn.response.status).toBe(409);
    expect(notSignedIn.error!.code).toBe('SIGN_IN_REQUIRED');
  });
});

describe('sign-in (F-1.4)', () => {
  it('opens an employer for a limited time; a wrong password gives the 20101 message', async () => {
    const employer = await addEmployer(stack, 20);
    await changePassword(employer.id, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    const wrong = await signIn(employer.id, 'Wrong2026');
    expect(wrong.response.status).toBe(422);
    expect(wrong.error).toMatchObject({ code: 'PASSWORD_INVALID', bureauCode: '20101', detail: WRONG_PASSWORD_MESSAGE, attemptsLeft: 4 });
    const ok = await signIn(employer.id, NEW_PASSWORD);
    expect(ok.response.status).toBe(200);
    const minutes = (Date.parse(ok.data!.signedInUntil!) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
    expect((await feeItems(employer.id)).response.status).toBe(200);

    // The sign-in ends: by time, or by signing out.
    await stack.database.db.update(employers).set({ signedInUntil: new Date(Date.now() - 1000) }).where(eq(employers.id, employer.id));
    const expired = await feeItems(employer.id);
    expect(expired.error).toMatchObject({ status: 409, code: 'SIGN_IN_REQUIRED' });
    expect(expired.error!.detail).toContain('ended at');
    await signIn(employer.id, NEW_PASSWORD);
    await stack.client.POST('/api/employers/{id}/sign-out', { params: { path: { id: employer.id } } });
    expect((await feeItems(employer.id)).error!.code).toBe('SIGN_IN_REQUIRED');
  });

  it('keeps several employers open at once, to switch between them', async () => {
    const a = await addSignedInEmployer(stack, 21);
    const b = await addSignedInEmployer(stack, 22);
    expect((await feeItems(a.id)).response.status).toBe(200);
    expect((await feeItems(b.id)).response.status).toBe(200);
    const list = (await stack.client.GET('/api/employers')).data!.employers;
    expect(list.filter((e) => [a.id, b.id].includes(e.id)).every((e) => e.signedInUntil !== null)).toBe(true);
  });

  it('locks an employer after repeated wrong passwords and says until when', async () => {
    const employer = await addEmployer(stack, 30);
    await changePassword(employer.id, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await signIn(employer.id, 'Wrong2026'));
    expect(answers.slice(0, 4).map((r) => r.error!.attemptsLeft)).toEqual([4, 3, 2, 1]);
    const locked = answers[4]!;
    expect(locked.response.status).toBe(429);
    expect(locked.error!.code).toBe('PASSWORD_LOCKED');
    const until = Date.parse(locked.error!.lockedUntil as string);
    expect(until - Date.now()).toBeGreaterThan(14 * 60_000);
    // Even the right password waits until then: nothing reaches the bureau.
    const right = await signIn(employer.id, NEW_PASSWORD);
    expect(right.response.status).toBe(429);
    expect(right.error!.lockedUntil).toBe(locked.error!.lockedUntil);
  });
});

describe('password reset by tax bureau staff (F-1.5)', () => {
  it('only staff may reset; the password returns to the initial one and must be changed again', async () => {
    const employer = await addSignedInEmployer(stack, 40);
    expect((await resetPassword(employer.id, 'operator')).response.status).toBe(403);
    expect((await resetPassword(employer.id, 'auditor')).response.status).toBe(403);
    const reset = await resetPassword(employer.id, 'staff');
    expect(reset.response.status, shown(reset)).toBe(200);
    expect(reset.data).toMatchObject({ passwordChangeRequired: true, signedInUntil: null });
    expect((await feeItems(employer.id)).error!.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const oldPassword = await changePassword(employer.id, { password: NEW_PASSWORD, newPassword: 'Third2026', newPasswordConfirm: 'Third2026' });
    expect(oldPassword.error!.code).toBe('PASSWORD_INVALID');
    const fromInitial = await changePassword(employer.id, { password: initialPassword(employer.unitNumber), newPassword: 'Third2026', newPasswordConfirm: 'Third2026' });
    expect(fromInitial.response.status).toBe(200);
  });

  it('lifts a lockout', async () => {
    const employer = await addEmployer(stack, 41);
    const change = () => changePassword(employer.id, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    for (let i = 0; i < 5; i++) await changePassword(employer.id, { password: '000000', newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    const locked = await change();
    expect(locked.response.status).toBe(429);
    await resetPassword(employer.id, 'staff');
    const unlocked = await change();
    expect(unlocked.response.status).toBe(200);
  });
});
