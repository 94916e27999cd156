// A client of a cluster's APIs as a careful integration would be written: every POST carries an
// Idempotency-Key, and a request that got no answer, a 5xx or `409 IDEMPOTENCY_IN_PROGRESS` is
// sent again with the same key to the next API instance, until it gets a real answer.
import type { HttpAnswer } from '../../tools/chaos/http';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClientStats {
  requests: number;
  /** Sends that were repeated (no answer, 5xx, in progress), by why. */
  retries: Record<string, number>;
  /** Requests that never got a real answer before their deadline. */
  unanswered: string[];
}

export class RetryingClient {
  private next = 0;
  readonly stats: ClientStats = { requests: 0, retries: {}, unanswered: [] };

  constructor(
    private readonly baseUrls: readonly string[],
    private readonly key: string,
    /** How long one logical request may keep trying. */
    private readonly deadlineMs = 90_000,
  ) {}

  private async once<T>(baseUrl: string, method: string, path: string, body: unknown, idempotencyKey: string | undefined): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    // Our API answers JSON (problem+json too); anything else (a proxy's page) is kept as text.
    const json = /json/.test(res.headers.get('content-type') ?? '');
    return { status: res.status, body: (json ? await res.json() : await res.text()) as T };
  }

  /** One logical request: the final answer (2xx or a 4xx that is not "in progress"). */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<HttpAnswer<T>> {
    this.stats.requests++;
    const until = Date.now() + this.deadlineMs;
    let last = 'nothing sent';
    for (;;) {
      const baseUrl = this.baseUrls[this.next++ % this.baseUrls.length]!;
      const answer = await this.once<T>(baseUrl, method, path, body, idempotencyKey).catch((err: unknown) => ({ status: 0, body: String(err) as T }));
      const code = (answer.body as { code?: string } | null)?.code;
      const why = answer.status === 0 ? 'no answer' : answer.status >= 500 ? `${answer.status}` : answer.status === 409 && code === 'IDEMPOTENCY_IN_PROGRESS' ? '409 in progress' : undefined;
      if (!why) return answer;
      last = `${why} from ${baseUrl}: ${JSON.stringify(answer.body).slice(0, 200)}`;
      if (Date.now() > until) {
        this.stats.unanswered.push(`${method} ${path}: ${last}`);
        return answer;
      }
      this.stats.retries[why] = (this.stats.retries[why] ?? 0) + 1;
      await sleep(500 + Math.random() * 1000);
    }
  }

  /** The body of the final answer when its status is `status`; an error otherwise. */
  async expect<T>(status: number, method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const answer = await this.request<T>(method, path, body, idempotencyKey);
    if (answer.status !== status) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
