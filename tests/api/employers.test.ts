// Employers, the declaration password and sign-in (F-1), through the API against the bureau.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { employers } from '../../src/db/schema';
import { WRONG_PASSWORD_MESSAGE, initialPassword } from '../../src/domain/password';
import { NEW_PASSWORD, addEmployer, addSignedInEmployer, taxpayerId, unitNumber } from '../support/employers';
import { auth, startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const post = (url: string, payload?: Record<string, unknown>, role: 'operator' | 'auditor' | 'staff' = 'operator') =>
  stack.app.inject({ method: 'POST', url, headers: auth(role), ...(payload === undefined ? {} : { payload }) });
const get = (url: string) => stack.app.inject({ method: 'GET', url, headers: auth() });

async function employerCount(): Promise<number> {
  return (await get('/api/employers')).json().employers.length;
}

describe('adding an employer (F-1.1, F-1.2)', () => {
  it('compares the taxpayer ID typed twice, and adds nothing when they differ', async () => {
    const before = await employerCount();
    const res = await post('/api/employers', { taxpayerId: taxpayerId(1), taxpayerIdConfirm: taxpayerId(2), unitNumber: unitNumber(1), password: '000001' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('TAXPAYER_ID_MISMATCH');
    expect(await employerCount()).toBe(before);
  });

  it('checks the Unified Social Credit Code and says what is wrong', async () => {
    const wrongCheck = '915201146629566697';
    const res = await post('/api/employers', { taxpayerId: wrongCheck, taxpayerIdConfirm: wrongCheck, unitNumber: '5201000001', password: '000001' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'TAXPAYER_ID_INVALID' });
    expect(res.json().detail).toContain('should be "6"');
    const short = await post('/api/employers', { taxpayerId: '91520114', taxpayerIdConfirm: '91520114', unitNumber: '5201000001', password: '000001' });
    expect(short.json().detail).toContain('18 characters');
  });

  it('refuses an employer the bureau does not know, or a wrong unit number', async () => {
    const unknown = taxpayerId(900);
    const res = await post('/api/employers', { taxpayerId: unknown, taxpayerIdConfirm: unknown, unitNumber: unitNumber(900), password: '000900' });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('UNKNOWN_AT_BUREAU');
    await stack.admin('/admin/employers', { taxpayerId: taxpayerId(3), unitNumber: unitNumber(3), name: '贵阳测试3有限公司' });
    const mismatch = await post('/api/employers', { taxpayerId: taxpayerId(3), taxpayerIdConfirm: taxpayerId(3), unitNumber: '999999', password: '999999' });
    expect(mismatch.json().code).toBe('UNIT_NUMBER_MISMATCH');
  });

  it('checks the initial password with the bureau: exactly its 20101 message when wrong', async () => {
    await stack.admin('/admin/employers', { taxpayerId: taxpayerId(4), unitNumber: unitNumber(4), name: '贵阳测试4有限公司' });
    const res = await post('/api/employers', { taxpayerId: taxpayerId(4), taxpayerIdConfirm: taxpayerId(4), unitNumber: unitNumber(4), password: '123456' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'PASSWORD_INVALID', bureauCode: '20101', detail: WRONG_PASSWORD_MESSAGE });
  });

  it('accepts the padded initial password of a short unit number', async () => {
    await stack.admin('/admin/employers', { taxpayerId: taxpayerId(5), unitNumber: '1234', name: '贵阳短编号有限公司' });
    const res = await post('/api/employers', { taxpayerId: taxpayerId(5), taxpayerIdConfirm: taxpayerId(5), unitNumber: '1234', password: '123400' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().passwordChangeRequired).toBe(true);
    const again = await post('/api/employers', { taxpayerId: taxpayerId(5), taxpayerIdConfirm: taxpayerId(5), unitNumber: '1234', password: '123400' });
    expect(again.statusCode).toBe(409);
  });
});

describe('the password must be changed first (F-1.3)', () => {
  it('refuses every action for the employer until the password is changed, then asks to sign in', async () => {
    const employer = await addEmployer(stack, 10);
    for (const res of [
      await get(`/api/employers/${employer.id}/fee-items`),
      await get(`/api/employers/${employer.id}/fee-items/export?format=csv`),
      await post(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds: ['x'], headcountConfirmed: true }),
      await post(`/api/employers/${employer.id}/sign-in`, { password: initialPassword(employer.unitNumber) }),
    ]) {
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().code).toBe('PASSWORD_CHANGE_REQUIRED');
      expect(res.json().detail).toContain(`/api/employers/${employer.id}/password`);
    }

    const url = `/api/employers/${employer.id}/password`;
    const initial = initialPassword(employer.unitNumber);
    const mismatch = await post(url, { password: initial, newPassword: NEW_PASSWORD, newPasswordConfirm: 'Other2026' });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().code).toBe('NEW_PASSWORD_INVALID');
    const wrong = await post(url, { password: '000000', newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(wrong.json()).toMatchObject({ status: 422, code: 'PASSWORD_INVALID', detail: WRONG_PASSWORD_MESSAGE });
    const changed = await post(url, { password: initial, newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ passwordChangeRequired: false, signedInUntil: null });
    expect(changed.json().message).toContain('修改成功');

    const notSignedIn = await get(`/api/employers/${employer.id}/fee-items`);
    expect(notSignedIn.statusCode).toBe(409);
    expect(notSignedIn.json().code).toBe('SIGN_IN_REQUIRED');
  });
});

describe('sign-in (F-1.4)', () => {
  it('opens an employer for a limited time; a wrong password gives the 20101 message', async () => {
    const employer = await addEmployer(stack, 20);
    await post(`/api/employers/${employer.id}/password`, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    const wrong = await post(`/api/employers/${employer.id}/sign-in`, { password: 'Wrong2026' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ code: 'PASSWORD_INVALID', bureauCode: '20101', detail: WRONG_PASSWORD_MESSAGE, attemptsLeft: 4 });
    const ok = await post(`/api/employers/${employer.id}/sign-in`, { password: NEW_PASSWORD });
    expect(ok.statusCode).toBe(200);
    const minutes = (Date.parse(ok.json().signedInUntil) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
    expect((await get(`/api/employers/${employer.id}/fee-items`)).statusCode).toBe(200);

    // The sign-in ends: by time, or by signing out.
    await stack.database.db.update(employers).set({ signedInUntil: new Date(Date.now() - 1000) }).where(eq(employers.id, employer.id));
    const expired = await get(`/api/employers/${employer.id}/fee-items`);
    expect(expired.json()).toMatchObject({ status: 409, code: 'SIGN_IN_REQUIRED' });
    expect(expired.json().detail).toContain('ended at');
    await post(`/api/employers/${employer.id}/sign-in`, { password: NEW_PASSWORD });
    await post(`/api/employers/${employer.id}/sign-out`);
    expect((await get(`/api/employers/${employer.id}/fee-items`)).json().code).toBe('SIGN_IN_REQUIRED');
  });

  it('keeps several employers open at once, to switch between them', async () => {
    const a = await addSignedInEmployer(stack, 21);
    const b = await addSignedInEmployer(stack, 22);
    expect((await get(`/api/employers/${a.id}/fee-items`)).statusCode).toBe(200);
    expect((await get(`/api/employers/${b.id}/fee-items`)).statusCode).toBe(200);
    const list = (await get('/api/employers')).json().employers as { id: string; signedInUntil: string | null }[];
    expect(list.filter((e) => [a.id, b.id].includes(e.id)).every((e) => e.signedInUntil !== null)).toBe(true);
  });

  it('locks an employer after repeated wrong passwords and says until when', async () => {
    const employer = await addEmployer(stack, 30);
    await post(`/api/employers/${employer.id}/password`, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post(`/api/employers/${employer.id}/sign-in`, { password: 'Wrong2026' }));
    expect(answers.slice(0, 4).map((r) => r.json().attemptsLeft)).toEqual([4, 3, 2, 1]);
    const locked = answers[4]!;
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('PASSWORD_LOCKED');
    const until = Date.parse(locked.json().lockedUntil);
    expect(until - Date.now()).toBeGreaterThan(14 * 60_000);
    // Even the right password waits until then: nothing reaches the bureau.
    const right = await post(`/api/employers/${employer.id}/sign-in`, { password: NEW_PASSWORD });
    expect(right.statusCode).toBe(429);
    expect(right.json().lockedUntil).toBe(locked.json().lockedUntil);
  });
});

describe('password reset by tax bureau staff (F-1.5)', () => {
  it('only staff may reset; the password returns to the initial one and must be changed again', async () => {
    const employer = await addSignedInEmployer(stack, 40);
    expect((await post(`/api/employers/${employer.id}/password-reset`, undefined, 'operator')).statusCode).toBe(403);
    expect((await post(`/api/employers/${employer.id}/password-reset`, undefined, 'auditor')).statusCode).toBe(403);
    const reset = await post(`/api/employers/${employer.id}/password-reset`, undefined, 'staff');
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toMatchObject({ passwordChangeRequired: true, signedInUntil: null });
    expect((await get(`/api/employers/${employer.id}/fee-items`)).json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    const oldPassword = await post(`/api/employers/${employer.id}/password`, { password: NEW_PASSWORD, newPassword: 'Third2026', newPasswordConfirm: 'Third2026' });
    expect(oldPassword.json().code).toBe('PASSWORD_INVALID');
    const fromInitial = await post(`/api/employers/${employer.id}/password`, { password: initialPassword(employer.unitNumber), newPassword: 'Third2026', newPasswordConfirm: 'Third2026' });
    expect(fromInitial.statusCode).toBe(200);
  });

  it('lifts a lockout', async () => {
    const employer = await addEmployer(stack, 41);
    for (let i = 0; i < 5; i++) await post(`/api/employers/${employer.id}/password`, { password: '000000', newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    const locked = await post(`/api/employers/${employer.id}/password`, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(locked.statusCode).toBe(429);
    await post(`/api/employers/${employer.id}/password-reset`, undefined, 'staff');
    const unlocked = await post(`/api/employers/${employer.id}/password`, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(unlocked.statusCode).toBe(200);
  });
});
