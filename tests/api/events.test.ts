// GET /api/events over real HTTP: the audit log's entries as server-sent events, in order,
// resumable with Last-Event-ID, with heartbeats, and no polling left once the client is gone.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import authPlugin from '../../src/api/auth';
import { Drain } from '../../src/api/drain';
import problemPlugin from '../../src/api/problem';
import eventRoutes, { openEventStreams } from '../../src/api/routes/events';
import { appendAudit } from '../../src/db/audit';
import { appendUncommitted } from '../support/audit';
import { NEW_PASSWORD, addSignedInEmployer } from '../support/employers';
import { api, eventually } from '../support/flows';
import { KEYS, auth, startStack, type Stack } from '../support/stack';

let stack: Stack;
let base: string;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1 } });
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  const address = stack.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await stack?.close();
});

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads a text/event-stream response message by message. */
class SseReader {
  readonly messages: SseMessage[] = [];
  private buffer = '';
  private closed = false;
  private readonly controller = new AbortController();
  status = 0;
  headers = new Headers();

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const reader = new SseReader();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: reader.controller.signal });
    reader.status = res.status;
    reader.headers = res.headers;
    if (res.ok && res.body) void reader.pump(res.body);
    else reader.buffer = await res.text();
    return reader;
  }

  get text(): string {
    return this.buffer;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          for (const m of parseBlock(block)) this.messages.push(m);
        }
      }
    } catch {
      // aborted
    }
    this.closed = true;
  }

  get ended(): boolean {
    return this.closed;
  }

  events(): { id: number; event: string; data: { seq: number; at: string; actor: string; action: string; subject: string; detail: Record<string, unknown> } }[] {
    return this.messages.filter((m) => m.data !== undefined).map((m) => ({ id: Number(m.id), event: m.event ?? 'message', data: JSON.parse(m.data!) }));
  }

  close(): void {
    this.controller.abort();
  }
}

function parseBlock(block: string): SseMessage[] {
  const message: SseMessage = {};
  const out: SseMessage[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) out.push({ comment: line.slice(1).trim() });
    else if (line.startsWith('id: ')) message.id = line.slice(4);
    else if (line.startsWith('event: ')) message.event = line.slice(7);
    else if (line.startsWith('data: ')) message.data = (message.data === undefined ? '' : `${message.data}\n`) + line.slice(6);
  }
  if (message.data !== undefined || message.event !== undefined) out.push(message);
  return out;
}

const waitFor = (check: () => boolean, ms = 30_000) => eventually(async () => check(), (ok) => ok, ms);

describe('GET /api/events', () => {
  it('streams a declaration’s state changes as they are written, in order, over real HTTP', async () => {
    const stream = await SseReader.open(`${base}/api/events`, auth('auditor'));
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      expect(stream.headers.get('cache-control')).toContain('no-cache');

      const employer = await addSignedInEmployer(stack, 1);
      const { get, post } = api(stack);
      const items = (await get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
      const declared = await post(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds: [items[0]!.itemId], headcountConfirmed: true });
      expect(declared.statusCode, declared.body).toBe(202);
      const declarationId = declared.json().id as string;

      // The result comes by itself after the (short) wait: no fetch-now here, only the stream.
      await waitFor(() => stream.events().some((e) => e.event === 'declaration.accepted' && e.data.subject === declarationId));
      const events = stream.events();
      const actions = events.map((e) => `${e.event} ${e.data.subject}`);
      expect(actions).toEqual([
        `employer.added ${employer.id}`,
        `employer.password_changed ${employer.id}`,
        `employer.signed_in ${employer.id}`,
        `declaration.submitted ${declarationId}`,
        `declaration.accepted ${declarationId}`,
      ]);
      // ids are the log's seq, increasing; the data is the entry.
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
      for (const e of events) {
        expect(e.data.seq).toBe(e.id);
        expect(e.data.action).toBe(e.event);
        expect(Date.parse(e.data.at)).toBeGreaterThan(Date.now() - 120_000);
        expect(Object.keys(e.data).sort()).toEqual(['action', 'actor', 'at', 'detail', 'seq', 'subject']);
      }
      expect(events[0]!.data.actor).toBe('olivia');
      expect(events[4]!.data.actor).toBe('bureau');
      expect(events[3]!.data.detail).toMatchObject({ kind: 'regular' });
      // No secrets: neither the declaration password nor a key travels in the stream.
      expect(stream.text + JSON.stringify(stream.messages)).not.toContain(NEW_PASSWORD);
      for (const k of KEYS) expect(JSON.stringify(stream.messages)).not.toContain(k.key);
    } finally {
      stream.close();
    }
  });

  it('resumes after Last-Event-ID (or ?after=) with what the client missed', async () => {
    const all = await stack.app.inject({ method: 'GET', url: '/api/events?after=0', headers: auth('auditor') });
    // app.inject gets the backlog and an ended stream (it cannot wait for a stream forever).
    const backlog = all.body.split('\n\n').flatMap(parseBlock).filter((m) => m.id);
    expect(backlog.length).toBeGreaterThanOrEqual(5);
    const second = backlog[1]!;

    const resumed = await SseReader.open(`${base}/api/events`, { ...auth('auditor'), 'last-event-id': second.id! });
    try {
      await waitFor(() => resumed.events().length >= backlog.length - 2);
      // What was missed comes first, in order; entries written since the backlog was read
      // (the worker archives each workflow as it closes) may follow it.
      const missed = backlog.slice(2).map((m) => Number(m.id));
      expect(resumed.events().map((e) => e.id).slice(0, missed.length)).toEqual(missed);
      // Then live ones after them.
      await addSignedInEmployer(stack, 2);
      await waitFor(() => resumed.events().filter((e) => e.event === 'employer.signed_in').length >= 2);
      expect(resumed.events().at(-1)!.id).toBeGreaterThan(Number(backlog.at(-1)!.id));
    } finally {
      resumed.close();
    }
  });

  it('sends an entry that commits after one with a larger seq was sent (writers take no lock)', async () => {
    const stream = await SseReader.open(`${base}/api/events`, auth('auditor'));
    const db = stack.database.db;
    const early = await appendUncommitted(db, { actor: 'test', action: 'test.early', subject: 'E-1' });
    try {
      await appendAudit(db, { actor: 'test', action: 'test.late', subject: 'E-2' });
      await waitFor(() => stream.events().some((e) => e.event === 'test.late'));
      await early.commit();
      await waitFor(() => stream.events().some((e) => e.event === 'test.early'));
      const [late, lateEarly] = stream.events().filter((e) => e.event.startsWith('test.'));
      expect([late!.event, lateEarly!.event]).toEqual(['test.late', 'test.early']);
      expect(lateEarly!.id).toBeLessThan(late!.id);
    } finally {
      await early.commit();
      stream.close();
    }
  });

  it('accepts the console’s session cookie and refuses without a key', async () => {
    const anonymous = await SseReader.open(`${base}/api/events`, {});
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text)).toMatchObject({ code: 'UNAUTHENTICATED' });
    const bad = await fetch(`${base}/api/events`, { headers: { ...auth('auditor'), 'last-event-id': 'x; drop' } });
    expect(bad.status).toBe(400);

    const session = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: KEYS[1]!.key }) });
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    const stream = await SseReader.open(`${base}/api/events`, { cookie });
    try {
      expect(stream.status).toBe(200);
      await waitFor(() => stream.messages.some((m) => m.comment?.startsWith('connected')));
    } finally {
      stream.close();
    }
  });

  it('stops reading the log once the client disconnects', async () => {
    await waitFor(() => openEventStreams() === 0, 5_000);
    const streams = await Promise.all([1, 2, 3].map(() => SseReader.open(`${base}/api/events`, auth('operator'))));
    await waitFor(() => openEventStreams() === 3, 5_000);
    streams.forEach((s) => s.close());
    expect(await waitFor(() => openEventStreams() === 0, 5_000)).toBe(true);
  });
});

describe('heartbeats and closing', () => {
  it('sends a comment line every heartbeat and ends open streams when the server closes', async () => {
    const app = Fastify();
    app.decorate('db', stack.database.db);
    app.decorate('drain', new Drain());
    await app.register(problemPlugin);
    await app.register(authPlugin, { keys: KEYS });
    await app.register(eventRoutes, { prefix: '/api', heartbeatMs: 100, pollIntervalMs: 50 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/events`;
    const stream = await SseReader.open(url, auth('auditor'));
    try {
      await waitFor(() => stream.messages.filter((m) => m.comment === 'heartbeat').length >= 3, 5_000);
      expect(stream.messages.filter((m) => m.comment === 'heartbeat').length).toBeGreaterThanOrEqual(3);
    } finally {
      // Closing the server with a stream open must not hang.
      await app.close();
    }
    await waitFor(() => stream.ended, 5_000);
    expect(stream.ended).toBe(true);
  });
});
