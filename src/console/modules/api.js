// The API and its problems (application/problem+json).
/* global fetch */
import { newKey } from './dom.js';
import { signedOut } from './session.js';
import { state } from './state.js';

export class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail ?? problem.title ?? 'error');
    this.status = status;
    this.code = problem.code;
    this.title = problem.title ?? `HTTP ${status}`;
    this.detail = problem.detail;
    this.problem = problem;
  }
}

export async function api(method, url, body, opts = {}) {
  const headers = { accept: 'application/json, application/problem+json;q=0.9, */*;q=0.5' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (opts.idempotent) headers['idempotency-key'] = newKey();
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError({ title: 'The API does not answer 服务无响应', detail: err.message, code: 'NETWORK' }, 0);
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => ({ title: res.statusText || `HTTP ${res.status}` }));
    if (res.status === 401 && state.me && !opts.signingIn) signedOut('The session ended: sign in again 会话已结束，请重新登录');
    throw new ApiError(problem, res.status);
  }
  if (opts.raw) return res;
  return (res.headers.get('content-type') ?? '').includes('json') ? res.json() : res.text();
}
export const get = (url, opts) => api('GET', url, undefined, opts);
export const post = (url, body, opts) => api('POST', url, body, opts);
