// Steps that many tests take: polling until a state is reached, and an employer with an
// accepted declaration ready to be paid or voided.
import { expect } from 'vitest';
import type { paths } from '../../client';
import { NEW_PASSWORD, addSignedInEmployer } from './employers';
import { auth, type Stack } from './stack';

export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function api(stack: Stack) {
  return {
    post: (url: string, payload?: Record<string, unknown>) => stack.app.inject({ method: 'POST', url, headers: auth(), ...(payload ? { payload } : {}) }),
    get: (url: string) => stack.app.inject({ method: 'GET', url, headers: auth() }),
  };
}

/** An employer with an accepted declaration of `count` regular items, and its payables. */
export async function declaredEmployer(stack: Stack, n: number, atBureau: Record<string, unknown> = {}, count = 2) {
  const { post, get } = api(stack);
  const employer = await addSignedInEmployer(stack, n, ['2026-10'], atBureau);
  const items = (await get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
  const itemIds = items.slice(0, count).map((i) => i.itemId);
  const declared = await post(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds, headcountConfirmed: true });
  expect(declared.statusCode, declared.body).toBe(202);
  const declarationId = declared.json().id as string;
  const accepted = await eventually(
    () => post(`/api/declarations/${declarationId}/fetch-result`).then((r) => r.json()),
    (d) => d.status === 'accepted',
  );
  expect(accepted.status).toBe('accepted');
  const payables = (await get(`/api/employers/${employer.id}/payables`)).json().payables as { lineId: string; dueFen: number; itemId: string }[];
  expect(payables).toHaveLength(count);
  const agreements = (await get(`/api/employers/${employer.id}`)).json().agreements as { agreementId: string }[];
  return { employer, declarationId, itemIds, payables, agreementId: agreements[0]?.agreementId };
}

/** What POST /api/employers/{id}/payments takes. */
export type PayBody = paths['/api/employers/{id}/payments']['post']['requestBody']['content']['application/json'];

/** Starts a three-party payment of these lines with the employer's password, through the typed client. */
export function payThreeParty(stack: Stack, employerId: string, body: Partial<PayBody> & Pick<PayBody, 'lineIds'>) {
  return stack.client.POST('/api/employers/{id}/payments', {
    params: { path: { id: employerId } },
    body: { amountConfirmed: true, password: NEW_PASSWORD, method: 'three_party', ...body },
  });
}

/** Starts a bank-side voucher payment of these lines with the employer's password (or `more`'s), through the typed client. */
export function payByVoucher(stack: Stack, employerId: string, lineIds: string[], more: Partial<PayBody> = {}) {
  return stack.client.POST('/api/employers/{id}/payments', {
    params: { path: { id: employerId } },
    body: { lineIds, amountConfirmed: true, password: NEW_PASSWORD, method: 'bank_voucher', ...more },
  });
}
