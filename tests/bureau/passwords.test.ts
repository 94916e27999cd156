// Declaration passwords (F-1): the initial password, change, staff reset, the exact 20101 message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BureauBusinessError } from '../../src/bureau/client';
import { WRONG_PASSWORD_MESSAGE, initialPassword } from '../../src/domain/password';
import { addEmployer, startBureau, taxpayerIdFor, type TestBureau } from './support';

let bureau: TestBureau;

beforeAll(async () => {
  bureau = await startBureau();
});
afterAll(() => bureau.close());

describe('declaration password', () => {
  it('starts as the initial password; a wrong one gives exactly the 20101 message', async () => {
    const { employer } = await addEmployer(bureau, 1);
    expect(employer.passwordIsInitial).toBe(true);
    await bureau.client.verifyPassword(employer.taxpayerId, initialPassword(employer.unitNumber));
    const wrong = bureau.client.verifyPassword(employer.taxpayerId, '000000');
    await expect(wrong).rejects.toBeInstanceOf(BureauBusinessError);
    await expect(wrong).rejects.toMatchObject({ status: 401, code: '20101', message: '申报密码验证失败：[20101]您输入的申报密码有误，请重新输入。' });
    expect(WRONG_PASSWORD_MESSAGE).toBe('申报密码验证失败：[20101]您输入的申报密码有误，请重新输入。');
  });

  it('pads a short unit number with 0 for the initial password', async () => {
    const { employer } = await addEmployer(bureau, 2, { unitNumber: '1234' });
    await bureau.client.verifyPassword(employer.taxpayerId, '123400');
  });

  it('changes with the right old password, and staff reset brings the initial one back', async () => {
    const { employer } = await addEmployer(bureau, 3);
    const initial = initialPassword(employer.unitNumber);
    await expect(bureau.client.changePassword(employer.taxpayerId, 'wrong!', 'abc12345')).rejects.toMatchObject({ code: '20101', message: WRONG_PASSWORD_MESSAGE });
    await expect(bureau.client.changePassword(employer.taxpayerId, initial, initial)).rejects.toMatchObject({ status: 400, code: 'PASSWORD_UNCHANGED' });
    await bureau.client.changePassword(employer.taxpayerId, initial, 'abc12345');
    expect((await bureau.client.getEmployer(employer.taxpayerId)).passwordIsInitial).toBe(false);
    await expect(bureau.client.verifyPassword(employer.taxpayerId, initial)).rejects.toMatchObject({ code: '20101' });
    await bureau.client.verifyPassword(employer.taxpayerId, 'abc12345');

    await bureau.client.resetPassword(employer.taxpayerId);
    expect((await bureau.client.getEmployer(employer.taxpayerId)).passwordIsInitial).toBe(true);
    await bureau.client.verifyPassword(employer.taxpayerId, initial);
    await expect(bureau.client.verifyPassword(employer.taxpayerId, 'abc12345')).rejects.toMatchObject({ code: '20101' });
  });

  it('answers UNKNOWN_EMPLOYER for a taxpayer the bureau does not know', async () => {
    await expect(bureau.client.verifyPassword(taxpayerIdFor(999), '123456')).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_EMPLOYER' });
  });
});
