// The two HTTP clients of a chaos run: the service's API (as an operator) and the mock
// bureau's admin routes (as the bank counter, the agencies and the fault injector).

export interface HttpAnswer<T> {
  status: number;
  body: T;
}

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
  return { status: res.status, body: parsed as T };
}

/** The service's HTTP API with one operator key. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    return call<T>(`${this.baseUrl}${path}`, method, { authorization: `Bearer ${this.key}` }, body);
  }

  get<T = Record<string, unknown>>(path: string): Promise<HttpAnswer<T>> {
    return this.request<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<HttpAnswer<T>> {
    return this.request<T>('POST', path, body);
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
