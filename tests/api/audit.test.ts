// The auditor's tools on the real stack: workflows listed from Temporal visibility by type,
// status, employer, period and business status (search attributes); a history exported as JSON
// that replays, and that round-trips with the Temporal CLI's own export; the replay route on real
// closed workflows; the audit log read by time and subject, verified, then tampered with in SQL.
import { execFileSync } from 'node:child_process';
import { historyFromJSON, historyToJSON } from '../../src/temporal/history-json';
import { ROUTINE_WORKFLOW_TYPES } from '../../src/contracts/workflow-types';
import { ensureWebhookDispatcher } from '../../src/temporal/webhook-dispatcher';
import { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { appendAudit, chainAudit, entryHash } from '../../src/db/audit';
import { appendUncommitted } from '../support/audit';
import { addSignedInEmployer } from '../support/employers';
import { declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { TEST_CODEC_KEYS, auth, startStack, type Stack } from '../support/stack';
import type { paths } from '../../client';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

const auditor = () => stack.clientAs('auditor');
type WorkflowQuery = NonNullable<paths['/api/workflows']['get']['parameters']['query']>;
type AuditLogQuery = NonNullable<paths['/api/audit/log']['get']['parameters']['query']>;

async function list(query: WorkflowQuery) {
  const { data, error, response } = await auditor().GET('/api/workflows', { params: { query } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!.workflows;
}
type WorkflowView = Awaited<ReturnType<typeof list>>[number];

/** Visibility is eventually consistent: polls until the listing satisfies `done`. */
function listUntil(query: WorkflowQuery, done: (ws: WorkflowView[]) => boolean): Promise<WorkflowView[]> {
  return eventually(() => list(query), done, 20_000);
}

/** A history as the API exports it: the text of the JSON file, with the answer's status and headers. */
async function history(workflowId: string, query: { runId?: string } = {}) {
  const { data, error, response } = await auditor().GET('/api/workflows/{workflowId}/history', { params: { path: { workflowId }, query }, parseAs: 'text' });
  return { status: response.status, headers: response.headers, body: data ?? '', error: error as { code?: string } | undefined };
}

// What the tests below share: one employer declared and paid, another declared.
let first: Awaited<ReturnType<typeof declaredEmployer>>;
let second: Awaited<ReturnType<typeof declaredEmployer>>;
let paymentId: string;

describe('workflows from Temporal visibility', () => {
  beforeAll(async () => {
    first = await declaredEmployer(stack, 801);
    const paid = await payThreeParty(stack, first.employer.id, { lineIds: first.payables.map((p) => p.lineId), agreementId: first.agreementId });
    expect(paid.response.status, JSON.stringify(paid.error)).toBe(202);
    paymentId = paid.data!.id;
    await eventually(() => auditor().GET('/api/payments/{id}', { params: { path: { id: paymentId } } }).then((r) => r.data), (p) => p?.status === 'paid');
    second = await declaredEmployer(stack, 802);
  });

  it('lists an employer’s work by its search attributes, with business status, period and links', async () => {
    const mine = await listUntil({ employerId: first.employer.id }, (ws) => ws.length === 2 && ws.every((w) => w.status === 'completed' && w.businessStatus !== 'deducting'));
    expect(mine.map((w) => w.type).sort()).toEqual(['declarationWorkflow', 'threePartyPaymentWorkflow']);
    const declaration = mine.find((w) => w.type === 'declarationWorkflow')!;
    expect(declaration).toMatchObject({
      workflowId: `declaration-${first.declarationId}`,
      status: 'completed',
      businessStatus: 'accepted',
      employerId: first.employer.id,
      period: '2026-10',
    });
    expect(declaration.temporalUiUrl).toBe(`http://127.0.0.1:${stack.config.temporalUiPort}/namespaces/default/workflows/declaration-${first.declarationId}/${declaration.runId}`);
    expect(declaration.historyUrl).toBe(`/api/workflows/declaration-${first.declarationId}/history?runId=${declaration.runId}`);
    expect(Date.parse(declaration.closeTime!)).toBeGreaterThanOrEqual(Date.parse(declaration.startTime));
    const payment = mine.find((w) => w.type === 'threePartyPaymentWorkflow')!;
    expect(payment).toMatchObject({ workflowId: `payment-${paymentId}`, businessStatus: 'paid', period: '2026-10' });
    // Newest first.
    expect(mine[0]!.type).toBe('threePartyPaymentWorkflow');
  });

  it('filters by type, execution status, period and business status, newest first', async () => {
    const declarations = await listUntil({ type: 'declaration' }, (ws) => ws.length >= 2);
    expect(declarations.every((w) => w.type === 'declarationWorkflow')).toBe(true);
    expect(declarations.map((w) => w.employerId)).toEqual(expect.arrayContaining([first.employer.id, second.employer.id]));
    const starts = declarations.map((w) => Date.parse(w.startTime));
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
    // The long name works as well as the short one.
    expect((await list({ type: 'declarationWorkflow' })).length).toBe(declarations.length);

    const payments = await list({ type: 'three_party_payment', status: 'completed', employerId: first.employer.id });
    expect(payments.map((w) => w.workflowId)).toEqual([`payment-${paymentId}`]);
    expect(await list({ type: 'three_party_payment', status: 'running', employerId: first.employer.id })).toEqual([]);
    expect(await list({ type: 'declaration', employerId: second.employer.id, period: '2026-10', businessStatus: 'accepted' })).toHaveLength(1);
    expect(await list({ employerId: second.employer.id, period: '2026-09' })).toEqual([]);
    expect(await list({ businessStatus: 'paid', status: 'closed' })).toEqual([expect.objectContaining({ workflowId: `payment-${paymentId}` })]);
  });

  it('shows running work with its business status as it changes', async () => {
    const employer = await addSignedInEmployer(stack, 803, ['2026-10']);
    const feeItems = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'regular' } } });
    const items = (feeItems.data as { items: { itemId: string }[] } | undefined)!.items;
    const declared = await stack.client.POST('/api/employers/{id}/declarations', {
      params: { path: { id: employer.id } },
      body: { kind: 'regular', itemIds: [items[0]!.itemId], headcountConfirmed: true },
    });
    expect(declared.response.status, JSON.stringify(declared.error)).toBe(202);
    const declarationId = (declared.data as { id: string } | undefined)!.id;
    // The automatic wait is 20 s: it is running and submitted meanwhile.
    const running = await listUntil({ status: 'running', employerId: employer.id }, (ws) => ws.length === 1);
    expect(running[0]).toMatchObject({ type: 'declarationWorkflow', status: 'running', businessStatus: 'submitted', closeTime: null, period: '2026-10' });
    await stack.client.POST('/api/declarations/{id}/fetch-result', { params: { path: { id: declarationId } } });
    const done = await listUntil({ employerId: employer.id }, (ws) => ws[0]?.status === 'completed');
    expect(done[0]).toMatchObject({ status: 'completed', businessStatus: 'accepted' });
  });

  it('leaves the service’s own upkeep out when asked (routine=false), as the console does by default', async () => {
    const dispatcher = await ensureWebhookDispatcher(stack.temporal, stack.config.taskQueue);
    try {
      await listUntil({}, (ws) => ws.some((w) => w.workflowId === dispatcher));
      const forPeople = await list({ routine: false });
      expect(forPeople.filter((w) => (ROUTINE_WORKFLOW_TYPES as readonly string[]).includes(w.type))).toEqual([]);
      expect(forPeople.map((w) => w.workflowId)).toContain(`payment-${paymentId}`);
    } finally {
      await stack.temporal.workflow.getHandle(dispatcher).terminate('test over');
    }
  });

  it('refuses unknown filters with 400', async () => {
    // Deliberately malformed queries, which the typed client would not send: raw requests.
    for (const query of ['?type=nope', '?status=sleeping', '?period=2026-13', "?employerId=x'%20OR%201=1", '?limit=0']) {
      const res = await stack.app.inject({ method: 'GET', url: `/api/workflows${query}`, headers: auth('auditor') });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('history export and replay', () => {
  const replayOptions = () => ({ workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') }, dataConverter: dataConverterFor(TEST_CODEC_KEYS) });

  it('exports a history as a JSON attachment that replays, as the Temporal CLI’s export does', async () => {
    const workflowId = `declaration-${first.declarationId}`;
    const res = await history(workflowId);
    expect(res.status, JSON.stringify(res.error)).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${workflowId}.json"`);
    const ours = JSON.parse(res.body);
    expect(ours.events[0]).toMatchObject({ eventId: '1', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED' });
    expect(ours.events.at(-1).eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    // The search attributes are in the history; payloads stay encrypted.
    expect(res.body).toContain('EmployerId');
    expect(res.body).toContain('YmluYXJ5L2VuY3J5cHRlZA=='); // "binary/encrypted"
    expect(res.body).not.toContain(first.employer.taxpayerId);
    await Worker.runReplayHistory(replayOptions(), historyFromJSON(ours), workflowId);

    // The CLI's export of the same run: replays too, and reads back to the same history.
    const cli = JSON.parse(
      execFileSync(inject('temporalCliPath'), ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', inject('temporalAddress'), '--namespace', 'default'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
    await Worker.runReplayHistory(replayOptions(), historyFromJSON(cli), workflowId);
    expect(JSON.parse(historyToJSON(historyFromJSON(cli)))).toEqual(ours);

    // A given run; unknown workflows and runs are 404.
    const runId = (await list({ type: 'declaration', employerId: first.employer.id }))[0]!.runId;
    expect(JSON.parse((await history(workflowId, { runId })).body)).toEqual(ours);
    const unknown = await history('declaration-nope');
    expect(unknown.status).toBe(404);
    expect(unknown.error?.code).toBe('WORKFLOW_NOT_FOUND');
    expect((await history(workflowId, { runId: '00000000-0000-0000-0000-000000000000' })).status).toBe(404);
  });

  it('replays the closed workflows of this service with the current code', async () => {
    const { data, error, response } = await auditor().POST('/api/audit/replay', { body: {} });
    expect(response.status, JSON.stringify(error)).toBe(200);
    const { results, replayed, failed } = data!;
    const ids = results.map((r) => r.workflowId);
    expect(ids).toEqual(expect.arrayContaining([`declaration-${first.declarationId}`, `declaration-${second.declarationId}`, `payment-${paymentId}`]));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(failed).toBe(0);
    expect(replayed).toBe(results.length);
    expect(results[0]!.runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replays the workflows asked for, and says which are unknown', async () => {
    const { data, error, response } = await stack.client.POST('/api/audit/replay', { body: { workflowIds: [`payment-${paymentId}`, 'declaration-nope'] } });
    expect(response.status, JSON.stringify(error)).toBe(200);
    expect(data!.results).toEqual([
      { workflowId: `payment-${paymentId}`, runId: expect.stringMatching(/^[0-9a-f-]{36}$/), ok: true, source: 'temporal' },
      { workflowId: 'declaration-nope', runId: null, ok: false, error: expect.stringContaining('WorkflowNotFound') },
    ]);
    expect(data!.failed).toBe(1);
    const bad = await auditor().POST('/api/audit/replay', { body: { workflowIds: [] } });
    expect(bad.response.status).toBe(400);
  });
});

describe('the audit log', () => {
  const log = async (query: AuditLogQuery = {}) => {
    const { data, error, response } = await auditor().GET('/api/audit/log', { params: { query } });
    expect(response.status, JSON.stringify(error)).toBe(200);
    return data!;
  };
  const verify = async () => {
    const { data, error, response } = await auditor().GET('/api/audit/log/verify');
    expect(response.status, JSON.stringify(error)).toBe(200);
    return data!;
  };

  it('tells who did what and when, by subject, action, actor and time, a page at a time', async () => {
    const declaration = await log({ subject: first.declarationId });
    expect(declaration.entries.map((e) => e.action).slice(0, 2)).toEqual(['declaration.submitted', 'declaration.accepted']);
    expect(declaration.entries[0]).toMatchObject({ actor: 'olivia', subject: first.declarationId });
    expect(declaration.entries[1]).toMatchObject({ actor: 'bureau', detail: expect.objectContaining({ status: 'accepted' }) });

    const payments = await log({ action: 'payment.', subject: paymentId });
    expect(payments.entries.map((e) => e.action)).toEqual(['payment.started', 'payment.paid']);

    const all = await log({ limit: 1000 });
    expect(all.entries.length).toBeGreaterThan(10);
    // In chain order: positions 1, 2, 3, … each entry chained to the one before (seq may be out of order).
    const seqs = all.entries.map((e) => e.seq);
    expect(all.entries.map((e) => e.chainPos)).toEqual(all.entries.map((_, i) => i + 1));
    expect(all.entries.every((e, i) => i === 0 || e.prevHash === all.entries[i - 1]!.hash)).toBe(true);

    // Paging, both ways.
    const page1 = await log({ limit: 3 });
    expect(page1.entries.map((e) => e.seq)).toEqual(seqs.slice(0, 3));
    const page2 = await log({ limit: 3, cursor: page1.nextCursor! });
    expect(page2.entries.map((e) => e.seq)).toEqual(seqs.slice(3, 6));
    const newest = await log({ limit: 2, order: 'desc' });
    expect(newest.entries.map((e) => e.seq)).toEqual(seqs.slice(-2).reverse());

    // By time: a window around the payment, a day in China time, the future.
    const paidAt = payments.entries[1]!.at;
    const window = await log({ from: paidAt, to: new Date(Date.parse(paidAt) + 1).toISOString(), action: 'payment.paid' });
    expect(window.entries.map((e) => e.subject)).toEqual([paymentId]);
    const chinaDay = new Date(Date.parse(paidAt) + 8 * 3600_000).toISOString().slice(0, 10);
    expect((await log({ from: chinaDay, to: chinaDay, limit: 1000 })).entries.map((e) => e.seq)).toContain(payments.entries[1]!.seq);
    expect((await log({ from: '2999-01-01' })).entries).toEqual([]);
    expect((await auditor().GET('/api/audit/log', { params: { query: { from: 'yesterday' } } })).response.status).toBe(400);
  });

  it('leaves the archiver’s entries out when asked (routine=false); the chain keeps them', async () => {
    // The worker archives each workflow as it closes: the paid payment's is there by now or soon.
    await eventually(() => log({ action: 'workflow.archived', limit: 1 }), (l) => l.entries.length === 1, 30_000);
    const forPeople = await log({ routine: false, limit: 1000 });
    expect(forPeople.entries.filter((e) => e.action === 'workflow.archived')).toEqual([]);
    expect(forPeople.entries.map((e) => e.action)).toContain('payment.paid');
  });

  it('takes entries without a lock and chains them in the order they commit, also a late one', async () => {
    const db = stack.database.db;
    // A chainer at work (holding its lock) does not hold up a writer: appends go straight in.
    let releaseChainer!: () => void;
    let chainerHolds!: () => void;
    const holding = new Promise<void>((resolve) => (chainerHolds = resolve));
    const chainer = db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(7023311)`);
      chainerHolds();
      await new Promise<void>((resolve) => (releaseChainer = resolve));
    });
    await holding;
    await appendAudit(db, { actor: 'test', action: 'test.while_chaining', subject: 'T-0' });
    expect(await chainAudit(db)).toBe(0); // the timer's chainer leaves it to the one at work
    releaseChainer();
    await chainer;

    // A transaction that began first (smaller seq) commits after one that began later.
    const early = await appendUncommitted(db, { actor: 'test', action: 'test.early', subject: 'T-1' });
    await appendAudit(db, { actor: 'test', action: 'test.late', subject: 'T-2' });
    const [unchained] = (await db.execute(sql`select count(*)::int as n from audit_log where action = 'test.late' and hash is null`)) as unknown as { n: number }[];
    expect(unchained).toMatchObject({ n: 1 }); // written unchained, hashed by the chainer

    // Readers chain first: the committed entries are there, chained; the open one is not yet.
    expect(await verify()).toMatchObject({ intact: true });
    const before = await log({ action: 'test.' });
    expect(before.entries.map((e) => e.action)).toEqual(['test.while_chaining', 'test.late']);
    await early.commit();
    const after = await log({ action: 'test.' });
    expect(after.entries.map((e) => e.action)).toEqual(['test.while_chaining', 'test.late', 'test.early']);
    const [, late, lateEarly] = after.entries;
    expect(lateEarly!.seq).toBeLessThan(late!.seq);
    expect(lateEarly!.chainPos).toBe(late!.chainPos + 1);
    expect(lateEarly!.prevHash).toBe(late!.hash);
    expect(await verify()).toMatchObject({ intact: true, head: { seq: lateEarly!.seq, hash: lateEarly!.hash } });
  });

  it('verifies the chain, and says where it was edited or a row deleted', async () => {
    const db = stack.database.db;
    const intact = await verify();
    const { entries } = await log({ limit: 1000 });
    expect(intact).toMatchObject({ intact: true, head: { seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash } });
    expect(intact.checked).toBeGreaterThanOrEqual(entries.length);

    // Edit one detail behind the API's back.
    const victim = entries[Math.floor(entries.length / 2)]!;
    await db.execute(sql`update audit_log set detail = jsonb_set(detail, '{forged}', 'true') where seq = ${victim.seq}`);
    const edited = await verify();
    expect(edited).toMatchObject({ intact: false, firstBroken: { seq: victim.seq, problem: 'edited' } });
    expect(edited.checked).toBe(entries.findIndex((e) => e.seq === victim.seq));
    // Put it back as it was: intact again (the hash covers the content, not how jsonb stores it).
    await db.execute(sql`update audit_log set detail = ${JSON.stringify(victim.detail)}::jsonb where seq = ${victim.seq}`);
    expect((await verify()).intact).toBe(true);

    // Put one in, well forged (chained to the row before it), the positions after it moved up.
    const at = entries[5]!;
    const forged = { at: new Date(), actor: 'mallory', action: 'payment.paid', subject: 'P-forged', detail: {}, prevHash: entries[4]!.hash };
    const shift = async (by: number, from: number) => {
      // In two steps: the positions are unique at every row.
      await db.execute(sql`update audit_log set chain_pos = -(chain_pos + ${by}) where chain_pos >= ${from}`);
      await db.execute(sql`update audit_log set chain_pos = -chain_pos where chain_pos < 0`);
    };
    await shift(1, at.chainPos);
    const [inserted] = (await db.execute(sql`
      insert into audit_log (at, actor, action, subject, detail, chain_pos, prev_hash, hash)
      values (${forged.at.toISOString()}, ${forged.actor}, ${forged.action}, ${forged.subject}, '{}'::jsonb, ${at.chainPos}, ${forged.prevHash}, ${entryHash(forged.prevHash, forged)})
      returning seq`)) as unknown as { seq: string }[];
    const forgedSeq = Number(inserted!.seq);
    expect(await verify()).toMatchObject({ intact: false, firstBroken: { seq: forgedSeq, chainPos: at.chainPos, problem: 'inserted' } });
    // Taken out again and the positions moved back: intact.
    await db.execute(sql`delete from audit_log where seq = ${forgedSeq}`);
    await shift(-1, at.chainPos + 1);
    expect((await verify()).intact).toBe(true);

    // Delete one.
    const gone = entries[3]!;
    await db.execute(sql`delete from audit_log where seq = ${gone.seq}`);
    const deleted = await verify();
    expect(deleted).toMatchObject({ intact: false, checked: 3, firstBroken: { chainPos: gone.chainPos, problem: 'deleted' } });
    expect(deleted.firstBroken!.detail).toContain(`row ${entries[4]!.seq}`);
  });
});
