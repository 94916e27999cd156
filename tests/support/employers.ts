// Employers for tests: registered at the bureau, added through the API, password changed and
// signed in (F-1.1–F-1.4), as an operator would before doing anything for them.
import { expect } from 'vitest';
import { initialPassword } from '../../src/domain/password';
import { checkCharacter } from '../../src/domain/taxpayer-id';
import type { Stack } from './stack';

export const NEW_PASSWORD = 'Newpass2026';

/** A valid taxpayer ID made from a number, so each test has its own employer. */
export function taxpayerId(n: number): string {
  const first17 = `9152011${String(n).padStart(9, '0')}X`;
  return first17 + checkCharacter(first17);
}

export function unitNumber(n: number): string {
  return `52010${String(n).padStart(5, '0')}`;
}

/** Registers the employer at the bureau and adds it here; its password is still the initial one. */
export async function addEmployer(
  stack: Stack,
  n: number,
  periods = ['2026-10'],
  atBureau: Record<string, unknown> = {}, // e.g. balanceFen, agreements
): Promise<{ id: string; taxpayerId: string; unitNumber: string }> {
  const id = taxpayerId(n);
  const unit = unitNumber(n);
  await stack.admin('/admin/employers', { taxpayerId: id, unitNumber: unit, name: `贵阳测试${n}科技有限公司`, periods, ...atBureau });
  const { data, error, response } = await stack.client.POST('/api/employers', {
    body: { taxpayerId: id, taxpayerIdConfirm: id, unitNumber: unit, password: initialPassword(unit) },
  });
  expect(response.status, JSON.stringify(error)).toBe(201);
  return { id: data!.id, taxpayerId: id, unitNumber: unit };
}

/** Added, password changed to NEW_PASSWORD, and signed in. */
export async function addSignedInEmployer(stack: Stack, n: number, periods?: string[], atBureau?: Record<string, unknown>) {
  const employer = await addEmployer(stack, n, periods, atBureau);
  const path = { id: employer.id };
  const changed = await stack.client.POST('/api/employers/{id}/password', {
    params: { path },
    body: { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD },
  });
  expect(changed.response.status, JSON.stringify(changed.error)).toBe(200);
  const signedIn = await stack.client.POST('/api/employers/{id}/sign-in', { params: { path }, body: { password: NEW_PASSWORD } });
  expect(signedIn.response.status, JSON.stringify(signedIn.error)).toBe(200);
  return employer;
}
