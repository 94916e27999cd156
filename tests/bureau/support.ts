// Starts a mock bureau in-process on a free port and talks to it only over HTTP: the service
// routes through BureauClient, the admin routes through fetch.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { BureauClient } from '../../src/bureau/client';
import type { BureauEmployer, DecisionResult, FaultRule } from '../../src/bureau/contract';
import { buildBureau, type BureauOptions } from '../../src/bureau/server';
import type { FeeItem } from '../../src/domain/fee-items';
import { checkCharacter } from '../../src/domain/taxpayer-id';

export interface AdminAnswer<T> {
  status: number;
  body: T;
}

export interface TestBureau {
  app: FastifyInstance;
  url: string;
  client: BureauClient;
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<AdminAnswer<T>>;
  close(): Promise<void>;
}

export async function startBureau(opts: BureauOptions = {}, clientTimeoutMs = 5000): Promise<TestBureau> {
  const app = await buildBureau({ resultDelayMs: 100, logger: false, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('bureau has no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    client: new BureauClient(url, { timeoutMs: clientTimeoutMs }),
    async admin<T>(method: string, path: string, body?: unknown): Promise<AdminAnswer<T>> {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    close: () => app.close(),
  };
}

/** A valid taxpayer ID made from a number, so each test can have its own employer. */
export function taxpayerIdFor(n: number): string {
  const first17 = `91520115${String(n).padStart(9, '0')}`;
  return first17 + checkCharacter(first17);
}

export const PERIOD = '2026-10';

/** A new employer with the five regular items of PERIOD and money enough to pay them. */
export async function addEmployer(
  bureau: TestBureau,
  n: number,
  extra: Record<string, unknown> = {},
): Promise<{ employer: BureauEmployer; items: FeeItem[] }> {
  const created = await bureau.admin<BureauEmployer>('POST', '/admin/employers', {
    taxpayerId: taxpayerIdFor(n),
    unitNumber: `52019${String(n).padStart(5, '0')}`,
    name: `贵阳测试${n}科技有限公司`,
    balanceFen: 1_000_000_000,
    periods: [PERIOD],
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const items = await bureau.client.downloadFeeItems(created.body.taxpayerId, 'regular');
  return { employer: created.body, items };
}

export async function addFault(bureau: TestBureau, rule: FaultRule): Promise<void> {
  const answer = await bureau.admin('POST', '/admin/faults', rule);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
}

/** Polls until the decision is no longer pending. */
export async function decided(read: () => Promise<DecisionResult>, timeoutMs = 3000): Promise<DecisionResult> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const result = await read();
    if (result.status !== 'pending' || Date.now() > until) return result;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Declares the items and waits for the bureau to accept them. */
export async function declareAccepted(bureau: TestBureau, taxpayerId: string, items: FeeItem[], requestId: string): Promise<void> {
  await bureau.client.declare({ requestId, taxpayerId, kind: 'regular', itemIds: items.map((i) => i.itemId) });
  const result = await decided(() => bureau.client.getDeclarationResult(requestId));
  expect(result.status).toBe('accepted');
}

export function linesOf(items: FeeItem[]): { itemId: string; amountFen: number }[] {
  return items.map((i) => ({ itemId: i.itemId, amountFen: i.amountFen }));
}
