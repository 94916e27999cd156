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

/**
 * The answer of a route whose success schema is not in the published contract yet (its
 * conversion is another change's): the typed client parses it all the same; this names its shape
 * until the contract does.
 */
export function answerOf<T>(result: { data?: unknown }): T {
  return result.data as T;
}

/** An employer with an accepted declaration of `count` regular items, and its payables. */
export async function declaredEmployer(stack: Stack, n: number, atBureau: Record<string, unknown> = {}, count = 2) {
  const { client } = stack;
  const employer = await addSignedInEmployer(stack, n, ['2026-10'], atBureau);
  const path = { path: { id: employer.id } };
  const feeItems = await client.GET('/api/employers/{id}/fee-items', { params: { ...path, query: { kind: 'regular' } } });
  const itemIds = answerOf<{ items: { itemId: string }[] }>(feeItems)
    .items.slice(0, count)
    .map((i) => i.itemId);
  const declared = await client.POST('/api/employers/{id}/declarations', { params: path, body: { kind: 'regular', itemIds, headcountConfirmed: true } });
  expect(declared.response.status, JSON.stringify(declared.error)).toBe(202);
  const declarationId = declared.data!.id;
  const accepted = await eventually(
    () => client.POST('/api/declarations/{id}/fetch-result', { params: { path: { id: declarationId } } }).then((r) => r.data),
    (d) => d?.status === 'accepted',
  );
  expect(accepted?.status).toBe('accepted');
  const payables = answerOf<{ payables: { lineId: string; dueFen: number; itemId: string }[] }>(await client.GET('/api/employers/{id}/payables', { params: path })).payables;
  expect(payables).toHaveLength(count);
  const agreements = answerOf<{ agreements: { agreementId: string }[] }>(await client.GET('/api/employers/{id}', { params: path })).agreements;
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
