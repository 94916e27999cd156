// Declarations and voids: asynchronous decisions, idempotency, what may be declared, reject faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeeItem } from '../../src/domain/fee-items';
import { addEmployer, addFault, decided, declareAccepted, linesOf, startBureau, type TestBureau } from './support';

let bureau: TestBureau;
let n = 0;

beforeAll(async () => {
  bureau = await startBureau({ resultDelayMs: 100 });
});
afterAll(() => bureau.close());

async function fresh(): Promise<{ taxpayerId: string; items: FeeItem[] }> {
  const { employer, items } = await addEmployer(bureau, ++n);
  return { taxpayerId: employer.taxpayerId, items };
}

describe('declaration', () => {
  it('is pending at first, then accepted with a serial after the delay; items become declared', async () => {
    const { taxpayerId, items } = await fresh();
    const receipt = await bureau.client.declare({ requestId: 'd-1', taxpayerId, kind: 'regular', itemIds: items.map((i) => i.itemId) });
    expect(receipt).toEqual({ requestId: 'd-1', status: 'pending' });
    expect(await bureau.client.getDeclarationResult('d-1')).toEqual({ status: 'pending' });

    await new Promise((resolve) => setTimeout(resolve, 150));
    const result = await bureau.client.getDeclarationResult('d-1');
    expect(result).toMatchObject({ status: 'accepted', serial: expect.stringMatching(/^\d{18}$/) });
    const after = await bureau.client.downloadFeeItems(taxpayerId, 'regular');
    expect(after.every((i) => i.state === 'declared')).toBe(true);
  });

  it('is idempotent by requestId: a repeat answers the same and changes nothing', async () => {
    const { taxpayerId, items } = await fresh();
    const request = { requestId: 'd-2', taxpayerId, kind: 'regular' as const, itemIds: [items[0]!.itemId] };
    const first = await bureau.client.declare(request);
    const second = await bureau.client.declare({ ...request });
    expect(second).toEqual(first);
    const result = await decided(() => bureau.client.getDeclarationResult('d-2'));
    expect(result.status).toBe('accepted');
    // still the same answer after the decision, and no second declaration appeared
    expect(await bureau.client.declare(request)).toEqual(first);
    expect(await bureau.client.getDeclarationResult('d-2')).toEqual(result);
    await expect(bureau.client.declare({ ...request, itemIds: [items[1]!.itemId] })).rejects.toMatchObject({ status: 409, code: 'KEY_REUSED' });
  });

  it('refuses an item held by another pending or accepted declaration with 409 naming the item', async () => {
    const { taxpayerId, items } = await fresh();
    const item = items[0]!;
    await bureau.client.declare({ requestId: 'd-3a', taxpayerId, kind: 'regular', itemIds: [item.itemId] });
    const whilePending = bureau.client.declare({ requestId: 'd-3b', taxpayerId, kind: 'regular', itemIds: [item.itemId] });
    await expect(whilePending).rejects.toMatchObject({ name: 'BureauBusinessError', status: 409, code: 'ITEM_NOT_DECLARABLE' });
    await expect(whilePending).rejects.toThrow(item.itemId);
    await decided(() => bureau.client.getDeclarationResult('d-3a'));
    await expect(bureau.client.declare({ requestId: 'd-3c', taxpayerId, kind: 'regular', itemIds: [item.itemId] })).rejects.toMatchObject({
      code: 'ITEM_NOT_DECLARABLE',
    });
    await expect(bureau.client.getDeclarationResult('d-3b')).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_REQUEST' });
  });

  it('refuses revoked, not normal, expired, unknown, foreign and wrong-kind items', async () => {
    const { taxpayerId, items } = await fresh();
    const other = await fresh();
    const [revoked, notNormal, expired] = items;
    await bureau.admin('POST', '/admin/assessments', { itemId: revoked!.itemId, state: 'revoked' });
    await bureau.admin('POST', '/admin/assessments', { itemId: notNormal!.itemId, state: 'not_normal' });
    await bureau.admin('POST', '/admin/assessments', { itemId: expired!.itemId, state: 'expired' });
    const special = await bureau.admin<{ items: FeeItem[] }>('POST', '/admin/assessments', { taxpayerId, period: '2026-06', kind: 'special' });
    const cases: [string, string][] = [
      [revoked!.itemId, '撤销'],
      [notNormal!.itemId, '正常缴费数据'],
      [expired!.itemId, '有效期'],
      ['no-such-item', '无此'],
      [other.items[0]!.itemId, '无此'],
      [special.body.items[0]!.itemId, '特殊缴费'],
    ];
    for (const [itemId, words] of cases) {
      const attempt = bureau.client.declare({ requestId: `d-4-${itemId}`, taxpayerId, kind: 'regular', itemIds: [itemId] });
      await expect(attempt).rejects.toMatchObject({ status: 409, code: 'ITEM_NOT_DECLARABLE' });
      await expect(attempt).rejects.toThrow(words);
    }
  });

  it('refuses an unknown employer with 404', async () => {
    await expect(
      bureau.client.declare({ requestId: 'd-5', taxpayerId: '91110000600037341L', kind: 'regular', itemIds: ['x'] }),
    ).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_EMPLOYER' });
  });

  it('is rejected under a reject fault, and its items can be declared again', async () => {
    const { taxpayerId, items } = await fresh();
    await addFault(bureau, { operation: 'declaration_result', mode: 'reject', times: 1 });
    await bureau.client.declare({ requestId: 'd-6a', taxpayerId, kind: 'regular', itemIds: items.map((i) => i.itemId) });
    const result = await decided(() => bureau.client.getDeclarationResult('d-6a'));
    expect(result).toMatchObject({ status: 'rejected', code: 'FAULT_INJECTED', reason: expect.any(String) });
    const after = await bureau.client.downloadFeeItems(taxpayerId, 'regular');
    expect(after.every((i) => i.state === 'normal')).toBe(true);
    await declareAccepted(bureau, taxpayerId, items, 'd-6b');
  });
});

describe('void', () => {
  it('of an accepted declaration is decided later; accepted, the items are declarable again', async () => {
    const { taxpayerId, items } = await fresh();
    await declareAccepted(bureau, taxpayerId, items, 'v-d1');
    expect(await bureau.client.requestVoid({ requestId: 'v-1', declarationRequestId: 'v-d1' })).toEqual({ requestId: 'v-1', status: 'pending' });
    expect(await bureau.client.requestVoid({ requestId: 'v-1', declarationRequestId: 'v-d1' })).toEqual({ requestId: 'v-1', status: 'pending' });
    expect(await bureau.client.getVoidResult('v-1')).toEqual({ status: 'pending' });
    expect(await decided(() => bureau.client.getVoidResult('v-1'))).toMatchObject({ status: 'accepted', serial: expect.any(String) });
    const after = await bureau.client.downloadFeeItems(taxpayerId, 'regular');
    expect(after.every((i) => i.state === 'normal')).toBe(true);
    await expect(bureau.client.requestVoid({ requestId: 'v-1b', declarationRequestId: 'v-d1' })).rejects.toMatchObject({ code: 'DECLARATION_NOT_VOIDABLE' });
    await declareAccepted(bureau, taxpayerId, items, 'v-d1-again');
  });

  it('is rejected with DECLARATION_PAID when any item is paid', async () => {
    const { employer, items } = await addEmployer(bureau, ++n);
    await declareAccepted(bureau, employer.taxpayerId, items, 'v-d2');
    const paid = await bureau.client.deduct({
      key: 'v-pay-1',
      taxpayerId: employer.taxpayerId,
      agreementId: employer.agreements[0]!.agreementId,
      lines: linesOf(items.slice(0, 1)),
      amountFen: items[0]!.amountFen,
    });
    expect(paid.result).toBe('succeeded');
    await bureau.client.requestVoid({ requestId: 'v-2', declarationRequestId: 'v-d2' });
    expect(await decided(() => bureau.client.getVoidResult('v-2'))).toMatchObject({ status: 'rejected', code: 'DECLARATION_PAID' });
  });

  it('is rejected under a reject fault; the declaration stands and can be voided later', async () => {
    const { taxpayerId, items } = await fresh();
    await declareAccepted(bureau, taxpayerId, items, 'v-d3');
    await addFault(bureau, { operation: 'void_result', mode: 'reject', times: 1 });
    await bureau.client.requestVoid({ requestId: 'v-3', declarationRequestId: 'v-d3' });
    expect(await decided(() => bureau.client.getVoidResult('v-3'))).toMatchObject({ status: 'rejected', code: 'FAULT_INJECTED' });
    expect((await bureau.client.downloadFeeItems(taxpayerId, 'regular')).every((i) => i.state === 'declared')).toBe(true);
    await bureau.client.requestVoid({ requestId: 'v-3b', declarationRequestId: 'v-d3' });
    expect(await decided(() => bureau.client.getVoidResult('v-3b'))).toMatchObject({ status: 'accepted' });
  });

  it('of a pending or unknown declaration is refused', async () => {
    const { taxpayerId, items } = await fresh();
    await bureau.client.declare({ requestId: 'v-d4', taxpayerId, kind: 'regular', itemIds: [items[0]!.itemId] });
    await expect(bureau.client.requestVoid({ requestId: 'v-4', declarationRequestId: 'v-d4' })).rejects.toMatchObject({ status: 409, code: 'DECLARATION_NOT_VOIDABLE' });
    await expect(bureau.client.requestVoid({ requestId: 'v-5', declarationRequestId: 'nothing' })).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_REQUEST' });
    await expect(bureau.client.getVoidResult('v-4')).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_REQUEST' });
  });
});
