// Signed webhooks end to end: a receiver in this test answers 500 first, then 200, and checks each
// signature as docs/webhooks.md tells receivers to; a real payment reaches payment.paid, and its
// delivery arrives verified after the retry. Also: the attempts as the API shows them, redelivery,
// private addresses refused at registration and at delivery, the secret nowhere in plain text.
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryWorkflowId } from '../../src/db/webhooks';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { ensureWebhookDispatcher, webhookDispatcherId } from '../../src/temporal/webhook-dispatcher';
import { addEmployer } from '../support/employers';
import { declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { historyText } from '../support/history';
import { TEST_CODEC_KEYS, startStack, type Stack } from '../support/stack';
import { sealArgs } from '../../src/temporal/workflow-starts';
import { resealLegacySecrets } from '../../src/webhooks/secret';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
  /** The receiver's own check, as docs/webhooks.md shows it. */
  verified: boolean;
}

/** A receiver: each path answers the statuses of `answers` in turn (the last repeating), 200 by default. */
class Receiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string>();
  readonly answers = new Map<string, number[]>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const body = Buffer.concat(chunks).toString('utf8');
        const answers = this.answers.get(path) ?? [200];
        const answered = answers[Math.min(this.received.filter((r) => r.path === path).length, answers.length - 1)]!;
        this.received.push({ path, headers: req.headers, body, answered, verified: verify(req.headers['sifee-signature'], body, this.secrets.get(path) ?? '') });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'not now');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A receiver's check, written from the docs (not with the service's code): signature, then age. */
function verify(header: string | string[] | undefined, rawBody: string, secret: string, toleranceSeconds = 300): boolean {
  if (typeof header !== 'string') return false;
  const fields = new Map(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(fields.get('t'));
  const given = Buffer.from(fields.get('v1') ?? '', 'hex');
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return Math.abs(Date.now() / 1000 - t) <= toleranceSeconds;
}

let stack: Stack;
const receiver = new Receiver();
const logLines: string[] = [];
const codec = dataConverterFor(TEST_CODEC_KEYS).payloadCodecs[0]!;

beforeAll(async () => {
  stack = await startStack({
    resultDelayMs: 100,
    logLines,
    config: { metricsCacheSeconds: 0, webhooks: { retry: { scheduleSeconds: [1], forSeconds: 30 }, allowedHosts: ['127.0.0.1'] } },
  });
  // What every worker does at start (src/service.ts).
  await ensureWebhookDispatcher(stack.temporal, stack.config.taskQueue);
  await receiver.start();
});
afterAll(async () => {
  // The dispatcher runs for ever: end it once the worker of this task queue is gone.
  await stack?.stopWorker();
  await stack?.temporal.workflow
    .getHandle(webhookDispatcherId(stack.config.taskQueue))
    .terminate('test over')
    .catch(() => {});
  await receiver.close();
  await stack?.close();
});

/** Read as the 201 answer: a keyed repeat's 200 is the same webhook without its secret. */
async function register(body: { url: string; events: string[]; description?: string }, headers: Record<string, string> = {}) {
  const res = await stack.client.POST('/api/webhooks', { body: body as never, headers });
  return { ...res, data: res.data as (NonNullable<typeof res.data> & { secret: string }) | undefined };
}
const deliveriesOf = async (id: string) => (await stack.clientAs('auditor').GET('/api/webhooks/{id}/deliveries', { params: { path: { id } } })).data!.deliveries;
async function rows<T>(query: SQL): Promise<T[]> {
  const result = await stack.database.db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
const webhookRows = async () => (await rows(sql`select id from webhooks`)).length;

/** Every text of a history, raw (encrypted) and with its payloads opened by the codec. */
async function historyWithPayloads(workflowId: string): Promise<string> {
  const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
  const payloads: Payload[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const p = node as Payload;
    if (p.data instanceof Uint8Array && p.metadata) payloads.push(p);
    else Object.values(node).forEach(walk);
  };
  walk(history);
  expect(payloads.length).toBeGreaterThan(0);
  return `${historyText(history)}\n${historyText(await codec.decode(payloads))}`;
}

describe('signed webhooks', () => {
  let hook: { id: string; secret: string };
  let paymentId: string;

  it('delivers payment.paid, signed, after the receiver first answered 500', async () => {
    receiver.answers.set('/main', [500, 200]);
    const created = await register({ url: `${receiver.url}/main`, events: ['payment.paid'], description: 'payroll' });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    expect(created.data).toMatchObject({ url: `${receiver.url}/main`, events: ['payment.paid'], description: 'payroll', createdBy: 'olivia' });
    expect(created.data!.secret).toMatch(/^whsec_/);
    hook = { id: created.data!.id, secret: created.data!.secret };
    receiver.secrets.set('/main', hook.secret);

    // Read by every role, never with the secret.
    const listed = await stack.clientAs('auditor').GET('/api/webhooks');
    expect(listed.data!.webhooks.map((w) => w.id)).toEqual([hook.id]);
    expect(JSON.stringify(listed.data)).not.toContain(hook.secret);

    const d = await declaredEmployer(stack, 1);
    const paid = await payThreeParty(stack, d.employer.id, { lineIds: [d.payables[0]!.lineId], agreementId: d.agreementId });
    expect(paid.response.status, JSON.stringify(paid.error)).toBe(202);
    paymentId = paid.data!.id;
    const payment = await eventually(() => stack.client.GET('/api/payments/{id}', { params: { path: { id: paymentId } } }).then((r) => r.data!), (p) => p.status === 'paid');
    expect(payment.status).toBe('paid');

    const received = await eventually(async () => receiver.at('/main'), (r) => r.length >= 2);
    expect(received.map((r) => r.answered)).toEqual([500, 200]);
    expect(received.every((r) => r.verified)).toBe(true);
    const [first, second] = received.map((r) => ({ ...r, json: JSON.parse(r.body) }));
    expect(second!.json).toEqual({ id: first!.json.id, type: 'payment.paid', createdAt: expect.any(String), data: { subject: paymentId, actor: expect.any(String), detail: expect.objectContaining({ totalFen: payment.totalFen }) } });
    expect(second!.headers['sifee-event-id']).toBe(second!.json.id);
    expect(first!.headers['sifee-event-id']).toBe(second!.json.id);
    expect(second!.headers['content-type']).toBe('application/json');
    // Each attempt is signed afresh; the signature covers the timestamp.
    expect(second!.headers['sifee-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(second!.headers['sifee-signature'], second!.body, 'whsec_wrong')).toBe(false);
    expect(verify(second!.headers['sifee-signature'], `${second!.body} `, hook.secret)).toBe(false);
    // Only payment.paid was asked for: not payment.started nor the deduction.
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.at('/main')).toHaveLength(2);
  });

  it('shows the delivery with both attempts: time, status code, duration', async () => {
    const deliveries = await eventually(() => deliveriesOf(hook.id), (ds) => ds[0]?.status === 'delivered');
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery).toMatchObject({ id: expect.stringContaining(hook.id), type: 'payment.paid', subject: paymentId, status: 'delivered', round: 1, nextAttemptAt: null, deliveredAt: expect.any(String) });
    expect(delivery!.eventId).toBe(JSON.parse(receiver.at('/main')[0]!.body).id);
    expect(delivery!.attempts.map((a) => [a.round, a.n, a.statusCode, a.error])).toEqual([
      [1, 1, 500, null],
      [1, 2, 200, null],
    ]);
    for (const a of delivery!.attempts) {
      expect(a.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(a.at)).toBeGreaterThan(Date.parse(delivery!.eventAt) - 1000);
    }
    expect(Date.parse(delivery!.attempts[1]!.at) - Date.parse(delivery!.attempts[0]!.at)).toBeGreaterThanOrEqual(900);
  });

  it('redelivers a delivered delivery as a new round, with the same event id', async () => {
    // Delivered first: on a loaded machine the earlier test's second attempt may still be under way.
    const [delivery] = await eventually(() => deliveriesOf(hook.id), (ds) => ds[0]?.status === 'delivered');
    const asAuditor = await stack.clientAs('auditor').POST('/api/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id: hook.id, deliveryId: delivery!.id } } });
    expect(asAuditor.response.status).toBe(403);
    const again = await stack.client.POST('/api/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id: hook.id, deliveryId: delivery!.id } } });
    expect(again.response.status, JSON.stringify(again.error)).toBe(202);
    expect(again.data).toMatchObject({ id: delivery!.id, round: 2, status: 'pending' });

    const received = await eventually(async () => receiver.at('/main'), (r) => r.length >= 3);
    expect(received[2]).toMatchObject({ answered: 200, verified: true });
    expect(received[2]!.headers['sifee-event-id']).toBe(delivery!.eventId);
    const [after] = await eventually(() => deliveriesOf(hook.id), (ds) => ds[0]?.status === 'delivered' && ds[0].attempts.length === 3);
    expect(after!.attempts.map((a) => [a.round, a.n, a.statusCode])).toEqual([
      [1, 1, 500],
      [1, 2, 200],
      [2, 1, 200],
    ]);
    const missing = await stack.client.POST('/api/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id: hook.id, deliveryId: `${hook.id}-999999` } } });
    expect(missing.response.status).toBe(404);
  });

  it('keeps the secret out of every history, the logs and the database, sealed at rest', async () => {
    const [delivery] = await deliveriesOf(hook.id);
    for (const workflowId of [deliveryWorkflowId(delivery!.id, 1), deliveryWorkflowId(delivery!.id, 2), webhookDispatcherId(stack.config.taskQueue)]) {
      const text = await historyWithPayloads(workflowId);
      expect(text, workflowId).not.toContain(hook.secret);
      expect(text, workflowId).not.toContain(hook.secret.slice('whsec_'.length));
    }
    // The delivery's history holds ids and timings: the opened payloads name the delivery, not where it goes.
    const delivered = await historyWithPayloads(deliveryWorkflowId(delivery!.id, 1));
    expect(delivered).toContain(delivery!.id);
    expect(delivered).not.toContain(receiver.url);

    expect(logLines.join('')).not.toContain(hook.secret);
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', stack.config.databaseUrl!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain(hook.id);
    expect(dump).not.toContain(hook.secret.slice('whsec_'.length));
  });

  it('shows the secret once: a keyed repeat answers the webhook without it, and 404 once deleted', async () => {
    const body = { url: `${receiver.url}/keyed`, events: ['declaration.*', 'voucher.issued'] };
    const first = await register(body, { 'idempotency-key': 'register-keyed-1' });
    const repeat = await register(body, { 'idempotency-key': 'register-keyed-1' });
    expect(first.response.status).toBe(201);
    expect(first.data!.secret).toMatch(/^whsec_/);
    expect(repeat.response.status).toBe(200);
    expect(repeat.response.headers.get('idempotent-replayed')).toBe('true');
    const { secret, ...webhook } = first.data!;
    expect(repeat.data).toEqual(webhook);
    expect(JSON.stringify(repeat.data)).not.toContain(secret.slice('whsec_'.length));
    expect((await rows(sql`select id from webhooks where url = ${body.url}`)).length).toBe(1);
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', '--table=idempotency_keys', stack.config.databaseUrl!], { encoding: 'utf8' });
    expect(dump).toContain('register-keyed-1');
    expect(dump).not.toContain(secret.slice('whsec_'.length));

    expect((await stack.client.DELETE('/api/webhooks/{id}', { params: { path: { id: first.data!.id } } })).response.status).toBe(204);
    for (let i = 0; i < 2; i++) {
      const gone = await register(body, { 'idempotency-key': 'register-keyed-1' });
      expect(gone.response.status).toBe(404);
      expect(gone.response.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(gone.error)).toContain(first.data!.id);
      expect(JSON.stringify(gone.error)).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('refuses private, loopback and link-local addresses with 422, storing nothing', async () => {
    const before = await webhookRows();
    const refused: [string, string][] = [
      ['http://10.0.0.1/hook', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://192.168.1.20:8080/hook', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://169.254.169.254/latest/meta-data', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://0.0.0.0/', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://[::1]/hook', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://[::ffff:127.0.0.1]/hook', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://[fd00::1]/hook', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://[fe80::1]/hook', 'WEBHOOK_ADDRESS_REFUSED'],
      ['http://2130706432/hook', 'WEBHOOK_ADDRESS_REFUSED'], // 127.0.0.0 written as a number
      // A name resolving to 127.0.0.1: only the literal 127.0.0.1 is allowed here.
      [`http://localhost:${new URL(receiver.url).port}/hook`, 'WEBHOOK_ADDRESS_REFUSED'],
      ['ftp://example.com/hook', 'WEBHOOK_URL_INVALID'],
      ['http://user:pw@127.0.0.1/hook', 'WEBHOOK_URL_INVALID'],
      ['not a url', 'WEBHOOK_URL_INVALID'],
      ['http://no-such-host.invalid/hook', 'WEBHOOK_HOST_UNRESOLVED'],
    ];
    for (const [url, code] of refused) {
      const res = await register({ url, events: ['*'] });
      expect(res.response.status, url).toBe(422);
      expect(res.response.headers.get('content-type'), url).toContain('application/problem+json');
      expect(res.error?.code, url).toBe(code);
    }
    expect(await webhookRows()).toBe(before);
    const audit = await stack.clientAs('auditor').GET('/api/audit/log', { params: { query: { action: 'webhook.created' } } });
    expect(audit.data!.entries).toHaveLength(2); // the main and the keyed webhook only

    const unknownEvent = await register({ url: `${receiver.url}/x`, events: ['payment.teleported'] });
    expect(unknownEvent.response.status).toBe(400);
    expect((await stack.clientAs('auditor').POST('/api/webhooks', { body: { url: `${receiver.url}/x`, events: ['*'] } })).response.status).toBe(403);
  });

  it('checks the address again at each attempt, and a deleted webhook hears nothing more', async () => {
    receiver.answers.set('/later', [200]);
    const created = await register({ url: `${receiver.url}/later`, events: ['employer.*'] });
    expect(created.response.status).toBe(201);
    const id = created.data!.id;
    // 127.0.0.1 is no longer allowed (as if the host now resolved to a private address), until
    // the webhook is deleted: an attempt already under way then cannot reach the receiver either.
    const allowed = stack.config.webhooks.allowedHosts.splice(0);
    let refusedId = '';
    const statuses = () => rows<{ status: string }>(sql`select status from webhook_deliveries where webhook_id = ${id}`);
    try {
      await addEmployer(stack, 2);
      const [refused] = await eventually(() => deliveriesOf(id), (ds) => (ds[0]?.attempts.length ?? 0) >= 2);
      expect(refused).toMatchObject({ type: 'employer.added', status: 'pending' });
      refusedId = refused!.id;
      expect(refused!.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/127\.0\.0\.1, a loopback address/) });
      expect(receiver.at('/later')).toHaveLength(0);
      // Redelivering one still being retried tries it at once, in the same round.
      const now = await stack.client.POST('/api/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id, deliveryId: refusedId } } });
      expect(now.response.status, JSON.stringify(now.error)).toBe(202);
      expect(now.data).toMatchObject({ id: refusedId, round: 1, status: 'pending' });
      const seen = now.data!.attempts.length;
      const [tried] = await eventually(() => deliveriesOf(id), (ds) => (ds[0]?.attempts.length ?? 0) > seen);
      expect(tried!.attempts.every((a) => a.round === 1)).toBe(true);

      expect((await stack.client.DELETE('/api/webhooks/{id}', { params: { path: { id } } })).response.status).toBe(204);
      expect((await stack.client.DELETE('/api/webhooks/{id}', { params: { path: { id } } })).response.status).toBe(404);
      expect((await stack.clientAs('auditor').GET('/api/webhooks/{id}/deliveries', { params: { path: { id } } })).response.status).toBe(404);
      expect((await stack.client.GET('/api/webhooks')).data!.webhooks.map((w) => w.id)).not.toContain(id);
      // Its pending delivery is cancelled at its next attempt, unsent.
      expect(await eventually(statuses, (r) => r.every((row) => row.status === 'cancelled'))).toEqual([{ status: 'cancelled' }]);
    } finally {
      stack.config.webhooks.allowedHosts.push(...allowed);
    }
    // Later events make no delivery for it.
    await addEmployer(stack, 3);
    await new Promise((r) => setTimeout(r, 2000));
    expect(receiver.at('/later')).toHaveLength(0);
    expect(await statuses()).toHaveLength(1);

    const changes = await stack.clientAs('auditor').GET('/api/audit/log', { params: { query: { action: 'webhook.' } } });
    expect(changes.data!.entries.map((e) => [e.action, e.subject])).toEqual(
      expect.arrayContaining([
        ['webhook.created', hook.id],
        ['webhook.redelivered', `${hook.id}-${JSON.parse(receiver.at('/main')[0]!.body).id.slice(4)}`],
        ['webhook.created', id],
        ['webhook.redelivered', refusedId],
        ['webhook.deleted', id],
      ]),
    );
  });

  it('counts deliveries by status in /metrics', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/sifee_webhook_deliveries\{status="delivered"\} 1/);
    expect(res.body).toMatch(/sifee_webhook_deliveries\{status="cancelled"\} 1/);
  });
});

describe('issue 26: secrets the codec endpoint cannot open, URLs masked, text that is Unicode', () => {
  const secretOf = async (id: string) => (await rows<{ secret: unknown }>(sql`select secret from webhooks where id = ${id}`))[0]!.secret;
  /** Posts to /codec/decode as each role: what a reviewer with the sealed secret could get. */
  async function decodedByEveryRole(payloads: unknown[]): Promise<string> {
    let answers = '';
    for (const role of ['operator', 'auditor', 'staff'] as const) {
      const res = await stack.clientAs(role).POST('/codec/decode', { body: { payloads } as never });
      answers += JSON.stringify(res.data ?? res.error);
      for (const p of (res.data?.payloads ?? []) as { data?: string }[]) answers += Buffer.from(p.data ?? '', 'base64').toString('utf8');
    }
    return answers;
  }
  /** The ways the stored secret can be handed to the codec endpoint. */
  function asPayloads(stored: unknown): unknown[] {
    if (Array.isArray(stored)) return stored;
    const s = stored as { keyId: string; data: string };
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    return [{ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64(s.keyId) }, data: s.data }];
  }
  const known = 'whsec_KnownLegacySecret0123456789abcdefghijklmnop';
  let legacyId = '';
  let tokenHook: { id: string; secret: string; path: string };

  it('seals a new secret so that /codec/decode opens it for no role; deliveries still sign with it', async () => {
    // The main webhook's (its deliveries were verified above, signed with it).
    const main = (await stack.client.GET('/api/webhooks')).data!.webhooks.find((w) => w.url.endsWith('/main'))!;
    const stored = await secretOf(main.id);
    expect(stored).toMatchObject({ format: 'webhook-secret/v1', keyId: 'test1', data: expect.any(String) });
    const answers = await decodedByEveryRole([...asPayloads(stored), { metadata: {}, data: (stored as { data: string }).data }]);
    expect(answers).toContain('PAYLOAD_NOT_DECRYPTABLE');
    expect(answers).not.toContain('whsec_');
  });

  it('reads a secret sealed the old way, then seals it anew at start; deliveries verify before and after', async () => {
    receiver.answers.set('/legacy', [200]);
    const created = await register({ url: `${receiver.url}/legacy`, events: ['employer.added'] });
    expect(created.response.status).toBe(201);
    legacyId = created.data!.id;
    // As a row written before the fix: the secret as codec payloads (what /codec/decode opened).
    const legacy = await sealArgs(codec, [known]);
    await stack.database.db.execute(sql`update webhooks set secret = ${JSON.stringify(legacy)}::jsonb where id = ${legacyId}`);
    expect(await decodedByEveryRole(asPayloads(await secretOf(legacyId)))).toContain(known);
    receiver.secrets.set('/legacy', known);

    await addEmployer(stack, 4);
    const before = await eventually(async () => receiver.at('/legacy'), (r) => r.length >= 1);
    expect(before.map((r) => r.verified)).toEqual([true]);

    // What every process does at start (src/service.ts); a second run finds nothing left.
    expect(await resealLegacySecrets(stack.database.db, stack.app.codec)).toEqual({ resealed: 1, unopened: [] });
    expect(await resealLegacySecrets(stack.database.db, stack.app.codec)).toEqual({ resealed: 0, unopened: [] });
    const resealed = await secretOf(legacyId);
    expect(resealed).toMatchObject({ format: 'webhook-secret/v1', keyId: 'test1' });
    const answers = await decodedByEveryRole(asPayloads(resealed));
    expect(answers).not.toContain(known);
    expect(answers).not.toContain(known.slice('whsec_'.length));

    await addEmployer(stack, 5);
    const after = await eventually(async () => receiver.at('/legacy'), (r) => r.length >= 2);
    expect(after.map((r) => r.verified)).toEqual([true, true]);
  });

  it('masks the query and user name of a webhook URL in every view, and delivers to the URL as written', async () => {
    const path = '/tokened?token=tok-5ecret-123&v=2';
    receiver.answers.set(path, [200]);
    const created = await register({ url: `${receiver.url}${path}`, events: ['employer.added'] });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    tokenHook = { id: created.data!.id, secret: created.data!.secret, path };
    receiver.secrets.set(path, tokenHook.secret);
    expect(created.data!.url).toBe(`${receiver.url}/tokened?token=***&v=***`);

    await addEmployer(stack, 6);
    const received = await eventually(async () => receiver.at(path), (r) => r.length >= 1);
    expect(received[0]!.verified).toBe(true);

    // A row from before user names were refused at registration.
    await stack.database.db.execute(sql`update webhooks set url = ${`http://someone:pa55word@127.0.0.1:${new URL(receiver.url).port}/legacy`} where id = ${legacyId}`);
    for (const role of ['operator', 'auditor', 'staff'] as const) {
      const listed = await stack.clientAs(role).GET('/api/webhooks');
      const text = JSON.stringify(listed.data);
      expect(text, role).toContain(`${receiver.url}/tokened?token=***&v=***`);
      expect(text, role).toContain(`http://***@127.0.0.1:${new URL(receiver.url).port}/legacy`);
      expect(text, role).not.toContain('tok-5ecret-123');
      expect(text, role).not.toContain('pa55word');
      const deliveries = await stack.clientAs(role).GET('/api/webhooks/{id}/deliveries', { params: { path: { id: tokenHook.id } } });
      expect(JSON.stringify(deliveries.data)).not.toContain('tok-5ecret-123');
    }
    const audit = await stack.clientAs('staff').GET('/api/audit/log', { params: { query: { action: 'webhook.created' } } });
    expect(JSON.stringify(audit.data)).toContain(tokenHook.id);
    expect(JSON.stringify(audit.data)).not.toContain('tok-5ecret-123');
  });

  it('answers 400 problem+json to text that is not well-formed Unicode (a lone surrogate), storing nothing', async () => {
    const before = await webhookRows();
    for (const body of [
      { url: `${receiver.url}/x`, events: ['*'], description: 'lone \ud800 surrogate' },
      { url: `${receiver.url}/x\udc00`, events: ['*'] },
    ]) {
      const res = await register(body);
      expect(res.response.status, JSON.stringify(res.error)).toBe(400);
      expect(res.response.headers.get('content-type')).toContain('application/problem+json');
      expect(res.error).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('well-formed Unicode') });
    }
    // A pair of surrogates is a character like any other.
    const emoji = await register({ url: `${receiver.url}/emoji`, events: ['payment.paid'], description: 'payroll 😀' });
    expect(emoji.response.status).toBe(201);
    expect(emoji.data!.description).toBe('payroll 😀');
    expect(await webhookRows()).toBe(before + 1);
    // Every route: the check is the app's, not the webhooks'.
    const other = await stack.client.POST('/api/employers', { body: { name: 'x\ud800' } as never });
    expect(other.response.status).toBe(400);
    expect(other.error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
