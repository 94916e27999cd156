// GET /api/events: server-sent events of state changes, read from the audit log. The log is
// the one place every process (API, workers) writes each state change to, so polling it for
// entries after the last one sent works when the API and the workers are separate processes.
// Streams follow the chain (chain_pos), not seq: writers take no lock, so an entry may commit
// after one with a larger seq was sent, and is still sent, when it is chained.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, gt, isNotNull, lte, sql } from 'drizzle-orm';
import { chainAudit } from '../../db/audit';
import type { Db } from '../../db/client';
import { auditLog } from '../../db/schema';
import { Problem } from '../../domain/problem';
import { Type, errors } from '../schemas/common';
import { EventStream } from '../schemas/events';

export interface EventRoutesOptions {
  /** How often the audit log is read for new entries. Default 500 ms. */
  pollIntervalMs?: number;
  /** How often a comment line keeps the connection (and proxies) from timing out. Default 15 s. */
  heartbeatMs?: number;
  /** Streams one actor may have open at once (EVENT_STREAMS_PER_ACTOR); one more answers 429. Default 5. */
  maxStreamsPerActor?: number;
}

/** Entries sent per read; a longer backlog is read again at once. */
const BATCH = 200;

export interface EventData {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

/** The audit details hold no secrets; this keeps it so should one ever be written by mistake. */
const SECRET_KEY = /password|secret|token|accountnumber|apikey/i;
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => !SECRET_KEY.test(k)).map(([k, v]) => [k, withoutSecrets(v)]));
  }
  return value;
}

/** One event in the text/event-stream format: the seq as its id, the action as its name. */
export function formatEvent(e: EventData): string {
  // An action is a dotted name without line breaks; the data is one line of JSON.
  return `id: ${e.seq}\nevent: ${e.action.replace(/[\r\n]/g, ' ')}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** The entries chained after position `pos` (chaining what is committed, unless a chainer is at it). */
async function entriesAfter(db: Db, pos: number): Promise<(EventData & { chainPos: number })[]> {
  await chainAudit(db);
  const rows = await db
    .select({ seq: auditLog.seq, chainPos: auditLog.chainPos, at: auditLog.at, actor: auditLog.actor, action: auditLog.action, subject: auditLog.subject, detail: auditLog.detail })
    .from(auditLog)
    .where(gt(auditLog.chainPos, pos))
    .orderBy(asc(auditLog.chainPos))
    .limit(BATCH);
  return rows.map((r) => ({ ...r, chainPos: r.chainPos!, at: r.at.toISOString(), detail: withoutSecrets(r.detail) as Record<string, unknown> }));
}

/** The chain position after which a stream resumes: that of entry `seq` (undefined: the head now). */
async function positionAfter(db: Db, seq: number | undefined): Promise<number> {
  if (seq === 0) return 0;
  await chainAudit(db, { wait: true });
  const maxPos = sql<string | null>`max(${auditLog.chainPos})`;
  if (seq !== undefined) {
    const [exact] = await db.select({ pos: auditLog.chainPos }).from(auditLog).where(eq(auditLog.seq, seq));
    if (exact?.pos != null) return exact.pos;
    // An entry that is gone: resume after the entries up to it.
    const [before] = await db.select({ pos: maxPos }).from(auditLog).where(and(lte(auditLog.seq, seq), isNotNull(auditLog.chainPos)));
    return Number(before?.pos ?? 0);
  }
  const [head] = await db.select({ pos: maxPos }).from(auditLog);
  return Number(head?.pos ?? 0);
}

/** Streams open in this process (for tests and metrics). */
const open = new Set<{ end(): void }>();
export function openEventStreams(): number {
  return open.size;
}

const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, opts) => {
  const pollIntervalMs = opts.pollIntervalMs ?? 500;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const mine = new Set<{ end(): void }>();
  const maxPerActor = opts.maxStreamsPerActor ?? 5;
  /** Open streams by actor name: each holds a connection and a poll, so one key cannot open hundreds. */
  const perActor = new Map<string, number>();
  const release = (actor: string) => {
    const left = (perActor.get(actor) ?? 1) - 1;
    if (left > 0) perActor.set(actor, left);
    else perActor.delete(actor);
  };

  // A hijacked reply is not closed by the server: end the streams, or closing would wait for them.
  // A draining process ends them first, so consoles reconnect to another one (src/api/drain.ts).
  const endAll = () => {
    for (const s of [...mine]) s.end();
  };
  app.addHook('preClose', async () => endAll());
  app.drain.whenDraining(endAll);

  app.get(
    '/events',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Server-sent events of state changes (text/event-stream): each audit log entry as it is written',
        description:
          'Each event has `id: <seq>`, `event: <action>` (e.g. `declaration.accepted`) and data `{ seq, at, actor, action, subject, detail }`. ' +
          'A reconnecting client sends `Last-Event-ID` and gets what it missed; without it the stream starts with the next change ' +
          '(or after `?after=<seq>`). A comment line every 15 s keeps the connection open. ' +
          'A stream opened with the session cookie ends when the session does (sign-out, expiry); an actor may have EVENT_STREAMS_PER_ACTOR (5) open at once.',
        tags: ['events'],
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'the seq of the last event received: resume after it' })) }),
        querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'start after this seq (0: from the beginning)' })) }, { additionalProperties: false }),
        response: { 200: EventStream, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      const fromHeader = request.headers['last-event-id'];
      const after = typeof fromHeader === 'string' ? Number(fromHeader) : request.query.after;
      // The route is for signed-in actors only (access: read), so there is one.
      const actor = request.actor!.name;
      if (app.drain.draining) throw new Problem(503, 'DRAINING', 'This API process is stopping', 'open the stream again: another process serves it');
      const opened = perActor.get(actor) ?? 0;
      if (opened >= maxPerActor) {
        throw new Problem(429, 'TOO_MANY_STREAMS', 'Too many open event streams', `at most ${maxPerActor} open streams per actor (EVENT_STREAMS_PER_ACTOR); close one first`);
      }
      perActor.set(actor, opened + 1); // taken before any wait, so simultaneous opens count each other
      let last: number;
      try {
        last = await positionAfter(app.db, after);
      } catch (err) {
        release(actor);
        throw err;
      }

      const injected = '_lightMyRequest' in request.raw;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      // The reconnection delay for EventSource, and a first line so the client sees it is open.
      res.write(`retry: 2000\n: connected after ${after ?? 'now'}\n\n`);

      let ended = false;
      let timer: NodeJS.Timeout | undefined;
      const stream = {
        end() {
          if (ended) return;
          ended = true;
          release(actor);
          clearTimeout(timer);
          clearInterval(heartbeat);
          open.delete(stream);
          mine.delete(stream);
          if (!res.writableEnded) res.end();
        },
      };
      open.add(stream);
      mine.add(stream);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      res.on('close', () => stream.end());
      res.on('error', () => stream.end());

      const poll = async (): Promise<void> => {
        if (ended) return;
        let full = false;
        try {
          // Signed out, expired, or its key rotated out since the last poll: nothing more is sent.
          if (request.stillSignedIn && !(await request.stillSignedIn())) {
            if (!ended) res.write(': session ended\n\n');
            stream.end();
            return;
          }
          const entries = await entriesAfter(app.db, last);
          full = entries.length === BATCH;
          for (const { chainPos, ...e } of entries) {
            if (ended) return;
            last = chainPos;
            // A slow client: wait until it has read what was sent before sending more.
            if (!res.write(formatEvent(e))) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
          }
        } catch (err) {
          request.log.warn({ err }, 'reading the audit log for events failed; trying again');
        }
        if (full) return poll();
        if (!ended && !injected) timer = setTimeout(() => void poll(), pollIntervalMs);
      };
      await poll();
      // app.inject() (tests, route walkers) waits for the end of a response: it gets what is
      // there now, and the stream ends instead of waiting forever.
      if (injected) stream.end();
    },
  );
};

export default eventRoutes;
