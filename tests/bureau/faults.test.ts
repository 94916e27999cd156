// Injected faults, as the client sees them: error, timeout, unknown outcome, delay, counts, rates.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BureauClient, BureauTimeoutError, BureauUnavailableError } from '../../src/bureau/client';
import { addEmployer, addFault, decided, startBureau, type TestBureau } from './support';

let bureau: TestBureau;
let impatient: BureauClient; // gives up after 300 ms
let n = 100;

beforeAll(async () => {
  bureau = await startBureau({ resultDelayMs: 100 });
  impatient = new BureauClient(bureau.url, { timeoutMs: 300 });
});
afterAll(() => bureau.close());
beforeEach(async () => {
  await bureau.admin('DELETE', '/admin/faults');
});

async function declareOne(client: BureauClient, requestId: string) {
  const { employer, items } = await addEmployer(bureau, ++n);
  return client.declare({ requestId, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: [items[0]!.itemId] });
}

describe('faults', () => {
  it('error: 503 FAULT_INJECTED, nothing applied, then normal again', async () => {
    await addFault(bureau, { operation: 'declare', mode: 'error', times: 1 });
    const attempt = declareOne(bureau.client, 'f-1');
    await expect(attempt).rejects.toBeInstanceOf(BureauUnavailableError);
    await expect(attempt).rejects.toMatchObject({ status: 503, code: 'FAULT_INJECTED' });
    await expect(bureau.client.getDeclarationResult('f-1')).rejects.toMatchObject({ status: 404 });
    const { employer, items } = await addEmployer(bureau, ++n);
    await expect(bureau.client.declare({ requestId: 'f-1', taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: [items[0]!.itemId] })).resolves.toMatchObject({
      status: 'pending',
    });
  });

  it('timeout: no answer, nothing applied', async () => {
    await addFault(bureau, { operation: 'declare', mode: 'timeout', times: 1 });
    const started = Date.now();
    await expect(declareOne(impatient, 'f-2')).rejects.toBeInstanceOf(BureauTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await expect(bureau.client.getDeclarationResult('f-2')).rejects.toMatchObject({ code: 'UNKNOWN_REQUEST' });
  });

  it('unknown_outcome: applied, then no answer', async () => {
    await addFault(bureau, { operation: 'declare', mode: 'unknown_outcome', times: 1 });
    await expect(declareOne(impatient, 'f-3')).rejects.toBeInstanceOf(BureauTimeoutError);
    expect(await decided(() => bureau.client.getDeclarationResult('f-3'))).toMatchObject({ status: 'accepted' });
  });

  it('timeout on a read: every call gets no answer until the fault is cleared', async () => {
    const { employer } = await addEmployer(bureau, ++n);
    await addFault(bureau, { operation: 'fee_items', mode: 'timeout' });
    await expect(impatient.downloadFeeItems(employer.taxpayerId, 'regular')).rejects.toBeInstanceOf(BureauTimeoutError);
    await expect(impatient.downloadFeeItems(employer.taxpayerId, 'regular')).rejects.toBeInstanceOf(BureauTimeoutError);
    await bureau.admin('DELETE', '/admin/faults');
    expect(await impatient.downloadFeeItems(employer.taxpayerId, 'regular')).toHaveLength(5);
  });

  it('delay: answers normally after delayMs', async () => {
    const { employer } = await addEmployer(bureau, ++n);
    await addFault(bureau, { operation: 'verify_password', mode: 'delay', delayMs: 200, times: 1 });
    const started = Date.now();
    await bureau.client.verifyPassword(employer.taxpayerId, employer.unitNumber.slice(-6));
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('times counts down per call; rate 0 never fires; the list shows what is left', async () => {
    const { employer } = await addEmployer(bureau, ++n);
    await addFault(bureau, { operation: 'fee_items', mode: 'error', times: 2 });
    await addFault(bureau, { operation: 'verify_password', mode: 'error', rate: 0 });
    const list = await bureau.admin<{ faults: { rule: { operation: string }; remaining: number | null }[] }>('GET', '/admin/faults');
    expect(list.body.faults.map((f) => f.remaining)).toEqual([2, null]);
    await expect(bureau.client.getFeeItems(employer.taxpayerId, 'regular')).rejects.toBeInstanceOf(BureauUnavailableError);
    await expect(bureau.client.getFeeItems(employer.taxpayerId, 'regular')).rejects.toBeInstanceOf(BureauUnavailableError);
    await expect(bureau.client.getFeeItems(employer.taxpayerId, 'regular')).resolves.toMatchObject({ total: 5 });
    for (let i = 0; i < 5; i++) await bureau.client.verifyPassword(employer.taxpayerId, employer.unitNumber.slice(-6));
  });

  it('refuses a rule that could never fire, and bad input, with 400', async () => {
    const wrongMode = await bureau.admin<{ code: string }>('POST', '/admin/faults', { operation: 'declare', mode: 'insufficient_balance' });
    expect(wrongMode).toMatchObject({ status: 400, body: { code: 'FAULT_NOT_APPLICABLE' } });
    const badOperation = await bureau.admin<{ code: string }>('POST', '/admin/faults', { operation: 'nothing', mode: 'error' });
    expect(badOperation).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
  });

  it('closing the bureau ends a held call at once; its caller cannot know the outcome', async () => {
    const other = await startBureau();
    const { employer } = await addEmployer(other, 1);
    await addFault(other, { operation: 'fee_items', mode: 'timeout' });
    const patient = new BureauClient(other.url, { timeoutMs: 30_000 });
    const call = patient.getFeeItems(employer.taxpayerId, 'regular');
    call.catch(() => undefined); // judged below; keeps the rejection handled meanwhile
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(call).rejects.toBeInstanceOf(BureauTimeoutError);
  });

  it('a bureau that is not listening is unavailable, not a timeout', async () => {
    const other = await startBureau();
    const url = other.url;
    await other.close();
    await expect(new BureauClient(url).health()).rejects.toBeInstanceOf(BureauUnavailableError);
  });
});
