// The month at a glance (本月进度) and its bulk actions, end to end: API → database for the view;
// API → bulk workflow → payment activities and workflows, certificate child workflows → mock
// bureau → database and PDFs for the actions. A bulk payment passes one payment's checks for every
// employer (F-4.2, F-4.3) or records nothing; its report accounts for every employer once.
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkActionActivities } from '../../src/activities/bulk-actions';
import { createAesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { getBulkEntry, insertBulkAction } from '../../src/db/bulk-actions';
import { auditLog, bulkActionEntries, bulkActions, payments } from '../../src/db/schema';
import { NEW_PASSWORD, addSignedInEmployer } from '../support/employers';
import { declaredEmployer, eventually } from '../support/flows';
import { KEYS, TEST_CODEC_KEYS, startStack, type Stack } from '../support/stack';
import type { paths } from '../../client';

const PERIOD = '2026-10';
let stack: Stack;
let a: Awaited<ReturnType<typeof declaredEmployer>>; // accepted, two lines: to pay
let b: Awaited<ReturnType<typeof declaredEmployer>>; // accepted, two lines: to pay
let c: { id: string }; // nothing declared

type Month = paths['/api/month']['get']['responses'][200]['content']['application/json'];
type Report = paths['/api/bulk-actions/{id}']['get']['responses'][200]['content']['application/json'];
type BulkBody = paths['/api/bulk-actions']['post']['requestBody']['content']['application/json'];

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } } });
  a = await declaredEmployer(stack, 3101);
  b = await declaredEmployer(stack, 3102);
  c = await addSignedInEmployer(stack, 3103);
});
afterAll(async () => {
  await stack?.close();
});

async function month(query: Partial<NonNullable<paths['/api/month']['get']['parameters']['query']>> = {}): Promise<Month> {
  const { data, error, response } = await stack.clientAs('auditor').GET('/api/month', { params: { query: { period: PERIOD, ...query } } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}

const stateOf = (m: Month, employerId: string, period = PERIOD) => m.rows.find((r) => r.employer.id === employerId)?.cells.find((x) => x.period === period)?.state;

function startBulk(body: BulkBody, headers: Record<string, string> = {}) {
  return stack.client.POST('/api/bulk-actions', { body, headers });
}

async function completed(id: string): Promise<Report> {
  const read = async () => (await stack.clientAs('auditor').GET('/api/bulk-actions/{id}', { params: { path: { id } } })).data!;
  const report = await eventually(read, (r) => r.status === 'completed', 60_000);
  expect(report.status, JSON.stringify(report)).toBe('completed');
  return report;
}

const pay = (employers: { id: string }[], passwords: Record<string, string> = {}): BulkBody => ({
  kind: 'pay',
  period: PERIOD,
  amountConfirmed: true,
  employers: employers.map((e) => ({ employerId: e.id, password: passwords[e.id] ?? NEW_PASSWORD })),
});

describe('the month view', () => {
  it('shows every employer with a cell per period, the totals and the states’ words', async () => {
    const m = await month({ periods: 2 });
    expect(m.periods).toEqual(['2026-10', '2026-09']);
    expect(stateOf(m, a.employer.id)).toBe('accepted');
    expect(stateOf(m, c.id)).toBe('not_declared');
    expect(stateOf(m, a.employer.id, '2026-09')).toBe('not_declared');
    const row = m.rows.find((r) => r.employer.id === a.employer.id)!;
    const due = a.payables.reduce((sum, p) => sum + p.dueFen, 0);
    expect(row.cells[0]).toMatchObject({ amountFen: due, unpaidFen: due, paidFen: 0, declarations: 1 });
    const oct = m.totals[0]!;
    expect(oct).toMatchObject({ period: PERIOD, employers: 3, declaredFen: due + b.payables.reduce((s, p) => s + p.dueFen, 0) });
    expect(oct.byState).toMatchObject({ accepted: 2, not_declared: 1 });
    expect(m.states.find((s) => s.state === 'accepted')).toMatchObject({ needsMe: true, words: expect.stringContaining('待缴费') });
  });

  it('filters by state and by what needs me, and pages every row once', async () => {
    expect((await month({ state: 'accepted' })).rows.map((r) => r.employer.id).sort()).toEqual([a.employer.id, b.employer.id].sort());
    expect((await month({ needsMe: true })).matching).toBe(3);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await month({ limit: 1, sort: 'amount', ...(cursor ? { cursor } : {}) });
      seen.push(...page.rows.map((r) => r.employer.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect(seen.at(-1)).toBe(c.id); // nothing declared: the smallest amount
  });

  it('refuses a cursor that is not ours and a bad period (400 problem)', async () => {
    const bad = await stack.client.GET('/api/month', { params: { query: { period: PERIOD, cursor: 'bm9wZQ' } } });
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers.get('content-type')).toContain('application/problem+json');
    expect((await stack.client.GET('/api/month', { params: { query: { period: '2026-13' } } })).response.status).toBe(400);
  });

  it('exports the view with people’s columns: names, words, yuan with separators', async () => {
    const res = await stack.app.inject({ method: 'GET', url: `/api/month/export?period=${PERIOD}&periods=1`, headers: { authorization: `Bearer ${KEYS[1]!.key}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toContain('2026-10 状态 state');
    expect(lines).toHaveLength(4);
    expect(res.body).toContain('待缴费 accepted, to pay');
    expect(res.body).toMatch(/\d,\d{3}\.\d{2}|\d+\.\d{2}/);
  });
});

describe('a bulk payment (F-4 for each employer)', () => {
  it('records nothing when a check refuses: amounts not confirmed, a wrong password (with the tries left), an auditor', async () => {
    const before = await stack.database.db.select().from(bulkActions);
    const unconfirmed = await startBulk({ ...pay([a.employer, b.employer]), amountConfirmed: false });
    expect(unconfirmed.response.status).toBe(422);
    expect((unconfirmed.error as { code: string }).code).toBe('AMOUNT_NOT_CONFIRMED');

    const wrong = await startBulk(pay([a.employer, b.employer], { [b.employer.id]: 'Wrongpass2026' }));
    expect(wrong.response.status).toBe(422);
    expect(wrong.response.headers.get('content-type')).toContain('application/problem+json');
    const problem = wrong.error as unknown as { code: string; refusals: { employerId: string; code: string; attemptsLeft?: number }[] };
    expect(problem.code).toBe('PASSWORDS_REFUSED');
    expect(problem.refusals).toEqual([expect.objectContaining({ employerId: b.employer.id, code: 'PASSWORD_INVALID', attemptsLeft: 4 })]);

    const auditor = await stack.clientAs('auditor').POST('/api/bulk-actions', { body: pay([a.employer]) });
    expect(auditor.response.status).toBe(403);
    const repeated = await startBulk(pay([a.employer, a.employer]));
    expect(repeated.response.status).toBe(422);

    expect(await stack.database.db.select().from(bulkActions)).toEqual(before);
    expect(await stack.database.db.select().from(payments).where(eq(payments.employerId, a.employer.id))).toEqual([]);
  });

  it('pays every accepted one by its agreement, skips what has nothing to pay, and reports each employer once', async () => {
    const key = { 'idempotency-key': `bulk-pay-${Date.now()}` };
    const started = await startBulk(pay([a.employer, b.employer, c]), key);
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    const id = started.data!.id;
    expect(started.data).toMatchObject({ kind: 'pay', period: PERIOD, progress: { total: 3, pending: 3 }, createdBy: 'olivia', workflowStarted: true });
    // A repeat of the keyed request is the same action, never a second.
    const again = await startBulk(pay([a.employer, b.employer, c]), key);
    expect(again.data?.id).toBe(id);

    const report = await completed(id);
    expect(report.progress).toEqual({ total: 3, pending: 0, done: 2, skipped: 1, failed: 0 });
    expect(report.employers.map((e) => e.employerId)).toEqual([a.employer.id, b.employer.id, c.id]);
    expect(report.employers[2]).toMatchObject({ status: 'skipped', payment: null, reason: { code: 'NOTHING_TO_PAY' } });
    for (const [i, e] of [a, b].entries()) {
      const entry = report.employers[i]!;
      expect(entry).toMatchObject({ status: 'done', payment: { id: `${id}-0000${i}`, totalFen: e.payables.reduce((s, p) => s + p.dueFen, 0) } });
    }
    // Each payment is the operator's, by the employer's agreement, and gets paid.
    for (const entry of report.employers.slice(0, 2)) {
      const paid = await eventually(
        () => stack.client.GET('/api/payments/{id}', { params: { path: { id: entry.payment!.id } } }).then((r) => r.data!),
        (p) => p.status === 'paid',
      );
      expect(paid).toMatchObject({ status: 'paid', method: 'three_party', createdBy: 'olivia' });
      expect(paid.agreementId).toBeTruthy();
    }
    const started_ = await stack.database.db.select().from(auditLog).where(eq(auditLog.action, 'payment.started'));
    expect(started_.filter((r) => r.subject.startsWith(id)).map((r) => r.actor)).toEqual(['olivia', 'olivia']);
    const m = await month();
    expect([stateOf(m, a.employer.id), stateOf(m, b.employer.id), stateOf(m, c.id)]).toEqual(['paid', 'paid', 'not_declared']);
  });

  it('makes one payment when its step runs twice (a worker died after it)', async () => {
    const d = await declaredEmployer(stack, 3104);
    const db = stack.database.db;
    const bulkId = `M-twice-${Date.now()}`;
    await insertBulkAction(db, { id: bulkId, kind: 'pay', period: PERIOD, employerIds: [d.employer.id], workflowId: `bulk-action-${bulkId}`, actor: 'olivia' }, async () => {});
    const { payBulkEntry } = bulkActionActivities({ db, bureau: stack.bureau, temporal: stack.temporal, codec: createAesGcmCodec(TEST_CODEC_KEYS), config: stack.config });
    const env = new MockActivityEnvironment();
    await env.run(payBulkEntry, { bulkId, n: 0 });
    await env.run(payBulkEntry, { bulkId, n: 0 });
    const made = await db.select().from(payments).where(eq(payments.employerId, d.employer.id));
    expect(made.map((p) => p.id)).toEqual([`${bulkId}-00000`]);
    expect((await getBulkEntry(db, bulkId, 0))?.entry).toMatchObject({ status: 'done', subjectId: `${bulkId}-00000` });

    // A step that made its payment and then gave up (its last write failed) is recorded as done, not failed.
    const failedId = `M-gaveup-${Date.now()}`;
    const e = await declaredEmployer(stack, 3105);
    await insertBulkAction(db, { id: failedId, kind: 'pay', period: PERIOD, employerIds: [e.employer.id], workflowId: `bulk-action-${failedId}`, actor: 'olivia' }, async () => {});
    const { recordBulkEntry } = bulkActionActivities({ db, bureau: stack.bureau, temporal: stack.temporal, codec: createAesGcmCodec(TEST_CODEC_KEYS), config: stack.config });
    await env.run(payBulkEntry, { bulkId: failedId, n: 0 });
    await db.update(bulkActionEntries).set({ status: 'pending', subjectId: null }).where(eq(bulkActionEntries.bulkId, failedId));
    await env.run(recordBulkEntry, { bulkId: failedId, n: 0, status: 'failed' as const, reason: { code: 'BUREAU_UNAVAILABLE', message: 'after 3 attempts' } });
    expect((await getBulkEntry(db, failedId, 0))?.entry).toMatchObject({ status: 'done', subjectId: `${failedId}-00000` });
  });
});

describe('a bulk print (F-6, F-7.1 for each employer)', () => {
  it('prints every certificate of the paid ones and says why not for the others', async () => {
    const started = await startBulk({ kind: 'print_payment_certificates', period: PERIOD, employers: [{ employerId: a.employer.id }, { employerId: b.employer.id }, { employerId: c.id }] });
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    const report = await completed(started.data!.id);
    expect(report.progress).toMatchObject({ done: 2, skipped: 1, failed: 0 });
    expect(report.employers[2]).toMatchObject({ status: 'skipped', reason: { code: 'NOTHING_PAID' } });
    const pdf = await stack.client.GET('/api/certificates/{id}/pdf', { params: { path: { id: report.employers[0]!.certificate!.id } }, parseAs: 'arrayBuffer' });
    expect(Buffer.from(pdf.data!).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const m = await month();
    expect(stateOf(m, a.employer.id)).toBe('certified');
    expect(m.totals[0]!.byState).toMatchObject({ certified: 2 });
  });

  it('prints the tax certificate once a period: a second action skips it as printed', async () => {
    const body: BulkBody = { kind: 'print_tax_certificates', period: PERIOD, employers: [{ employerId: a.employer.id }] };
    const first = await completed((await startBulk(body)).data!.id);
    expect(first.employers[0]).toMatchObject({ status: 'done' });
    const second = await completed((await startBulk(body)).data!.id);
    expect(second.employers[0]).toMatchObject({ status: 'skipped', reason: { code: 'ALREADY_PRINTED' } });
  });

  it('takes no password', async () => {
    const res = await startBulk({ kind: 'print_tax_certificates', period: PERIOD, employers: [{ employerId: a.employer.id, password: NEW_PASSWORD }] });
    expect(res.response.status).toBe(422);
    expect((res.error as { code: string }).code).toBe('PASSWORD_NOT_ALLOWED');
  });
});
