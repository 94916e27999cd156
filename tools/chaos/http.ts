// The two HTTP clients of a chaos run: the service's API (as an operator) and the mock
// bureau's admin routes (as the bank counter, the agencies and the fault injector).
import { randomUUID } from 'node:crypto';

export interface HttpAnswer<T> {
  status: number;
  body: T;
  headers?: Headers;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call<T>(url: string, method: string, headers: Record<string, string>, body?: unknown, timeoutMs = 60_000): Promise<HttpAnswer<T>> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** What the API's clients went through: tries again, and requests never answered. */
export interface ClientStats {
  requests: number;
  /** Tries after a refused or reset connection, a 5xx or a 409 IDEMPOTENCY_IN_PROGRESS. */
  retries: number;
  inProgress: number;
  /** Gave up after `giveUpAfterMs` without an answer: must stay 0. */
  neverAnswered: number;
}

/**
 * The service's HTTP API with one operator key, used as a real client uses it: every POST carries
 * an Idempotency-Key, and a request that got no answer (connection refused or reset), a 5xx or a
 * 409 IDEMPOTENCY_IN_PROGRESS (after its Retry-After) is sent again, with the same key, until it
 * is answered or `giveUpAfterMs` has passed (then it answers status 0, NEVER_ANSWERED).
 */
export class ApiClient {
  readonly stats: ClientStats = { requests: 0, retries: 0, inProgress: 0, neverAnswered: 0 };
  private readonly pending = new Map<Promise<unknown>, string>();

  constructor(
    readonly baseUrl: string,
    private readonly key: string,
    private readonly giveUpAfterMs = 300_000,
  ) {}

  /** The requests not answered yet (each resolves once answered, however many tries that takes). */
  inFlight(): { what: string; answered: Promise<unknown> }[] {
    return [...this.pending].map(([answered, what]) => ({ what, answered }));
  }

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<HttpAnswer<T>> {
    const answer = this.untilAnswered<T>(method, path, body, idempotencyKey);
    this.pending.set(answer, `${method} ${path}`);
    void answer.finally(() => this.pending.delete(answer));
    return answer;
  }

  private async untilAnswered<T>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    const key = idempotencyKey ?? (method === 'POST' ? randomUUID() : undefined);
    if (key) headers['idempotency-key'] = key;
    this.stats.requests++;
    const giveUpAt = Date.now() + this.giveUpAfterMs;
    for (let attempt = 1; ; attempt++) {
      const answer: HttpAnswer<T> = await call<T>(`${this.baseUrl}${path}`, method, headers, body).catch((err: unknown) => ({ status: 0, body: { code: String(err) } as T }));
      const code = (answer.body as { code?: string } | null)?.code;
      const inProgress = answer.status === 409 && code === 'IDEMPOTENCY_IN_PROGRESS';
      if (answer.status !== 0 && answer.status < 500 && !inProgress) return answer;
      if (Date.now() > giveUpAt) {
        this.stats.neverAnswered++;
        return { status: 0, body: { code: 'NEVER_ANSWERED', detail: `${method} ${path}: last ${answer.status} ${code ?? ''}` } as T };
      }
      this.stats.retries++;
      if (inProgress) {
        this.stats.inProgress++;
        await sleep(1000 * Math.max(1, Number(answer.headers?.get('retry-after')) || 1));
      } else {
        await sleep(Math.min(2000, 200 * attempt) * (0.5 + Math.random()));
      }
    }
  }

  get<T = Record<string, unknown>>(path: string): Promise<HttpAnswer<T>> {
    return this.request<T>('GET', path);
  }

  /** A POST with an Idempotency-Key of its own (or the one given), the same on every try. */
  post<T = Record<string, unknown>>(path: string, body: unknown = {}, idempotencyKey?: string): Promise<HttpAnswer<T>> {
    return this.request<T>('POST', path, body, idempotencyKey);
  }

  /** The answer's body when the status is the expected one; an error with both otherwise. */
  async expect<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request<T>(method, path, body);
    if (answer.status !== status) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

/** The mock bureau's admin routes. */
export class BureauAdmin {
  constructor(readonly baseUrl: string) {}

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    return call<T>(`${this.baseUrl}${path}`, method, {}, body);
  }

  async expectOk<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request<T>(method, path, body);
    if (answer.status >= 300) throw new Error(`bureau ${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
