// Lists page with a cursor (issue 16): every row exactly once across pages, with filters, also when
// rows are added between pages; `q` finds employers; a cursor that is not ours is a 400 problem.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificates, declarationBatches, declarationLines, declarations, employers, paymentLines, payments } from '../../src/db/schema';
import { auth, startStack, type Stack } from '../support/stack';

let stack: Stack;
const EMPLOYERS = 13;
const T0 = Date.parse('2026-01-05T02:00:00Z');
// Several rows share each timestamp, so the id must break ties for a page to end between them.
const at = (i: number) => new Date(T0 + Math.floor(i / 3) * 60_000);
const periodOf = (i: number) => (i % 2 ? '2025-12' : '2026-01');

beforeAll(async () => {
  stack = await startStack();
  const db = stack.database.db;
  await db.insert(employers).values(
    Array.from({ length: EMPLOYERS }, (_, i) => ({
      id: `LE${String(i).padStart(3, '0')}`,
      taxpayerId: `91LIST${String(i).padStart(12, '0')}`,
      unitNumber: `77${String(i).padStart(6, '0')}`,
      name: i === 7 ? '杭州西湖茶叶有限公司' : `Lists Test Employer ${i}`,
      taxOfficeCode: '13301000000',
      taxOfficeName: '测试税务局',
      createdAt: at(i),
    })),
  );
  await db.insert(declarations).values(
    Array.from({ length: 40 }, (_, i) => ({
      id: `LD${String(i).padStart(3, '0')}`,
      employerId: `LE${String(i % 4).padStart(3, '0')}`,
      kind: 'regular' as const,
      status: i % 3 === 0 ? 'rejected' : 'accepted',
      totalFen: 100 * i,
      workflowId: `declaration-LD${i}`,
      declaredBy: 'seed',
      declaredAt: at(i),
    })),
  );
  await db.insert(payments).values(
    Array.from({ length: 23 }, (_, i) => ({
      id: `LP${String(i).padStart(3, '0')}`,
      employerId: `LE${String(i % 2).padStart(3, '0')}`,
      method: 'bank_voucher' as const,
      status: i % 2 === 0 ? 'paid' : 'failed',
      totalFen: 100,
      lineIds: [],
      periods: [periodOf(i)],
      workflowId: `payment-LP${i}`,
      deadline: new Date(T0 + 86_400_000),
      createdBy: 'seed',
      createdAt: at(i),
    })),
  );
  // One line each: odd declarations are of 2025-12, even ones of 2026-01; payment LPi pays line LLi.
  await db.insert(declarationLines).values(
    Array.from({ length: 40 }, (_, i) => ({
      id: `LL${String(i).padStart(3, '0')}`,
      declarationId: `LD${String(i).padStart(3, '0')}`,
      itemId: `LI${i}`,
      unitNumber: '77000000',
      insuranceType: 'pension',
      agency: '测试社保中心',
      period: periodOf(i),
      headcount: 1,
      baseFen: 100,
      employerFen: 16,
      employeeFen: 8,
      amountFen: 24,
      collectionOrder: `CO${i}`,
      validUntil: '2026-12-31',
    })),
  );
  await db.insert(paymentLines).values(Array.from({ length: 23 }, (_, i) => ({ paymentId: `LP${String(i).padStart(3, '0')}`, lineId: `LL${String(i).padStart(3, '0')}`, itemId: `LI${i}`, amountFen: 24, open: false })));
  await db.insert(declarationBatches).values(
    Array.from({ length: 7 }, (_, i) => ({
      id: `LB${i}`,
      period: '2026-01',
      status: 'completed',
      total: 0,
      allEmployers: true,
      concurrency: 1,
      workflowId: `batch-LB${i}`,
      createdBy: 'seed',
      createdAt: at(i),
    })),
  );
  await db.insert(certificates).values(
    Array.from({ length: 8 }, (_, i) => ({
      id: `LC${i}`,
      employerId: 'LE000',
      kind: 'payment' as const,
      period: `2025-${String(i + 1).padStart(2, '0')}`,
      issueDate: '2026-01-05',
      pdfPath: `certificates/LC${i}.pdf`,
      pdfSha256: '0'.repeat(64),
      createdBy: 'seed',
      createdAt: at(i),
    })),
  );
});
afterAll(async () => {
  await stack?.close();
});

/** Follows `nextCursor` to the end; fails when a page is not 200. */
async function walk<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null; status: number }>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const p = await page(cursor);
    expect(p.status).toBe(200);
    items.push(...p.items);
    if (p.nextCursor === null) return { items, pages };
    cursor = p.nextCursor;
    expect(pages).toBeLessThan(100);
  }
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
const byNewest = (rows: { id: string; at: Date }[]) => [...rows].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1)).map((r) => r.id);

describe('cursor paging', () => {
  it('walks the employers oldest first, each once, and the last page says so', async () => {
    const all = await walk(async (cursor) => {
      const r = await stack.client.GET('/api/employers', { params: { query: { limit: 4, ...(cursor ? { cursor } : {}) } } });
      return { items: ids(r.data?.employers ?? []), nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(all.items).toEqual(Array.from({ length: EMPLOYERS }, (_, i) => `LE${String(i).padStart(3, '0')}`));
    expect(all.pages).toBe(4);
    // A page exactly full at the end: no empty page after it.
    const exact = await stack.client.GET('/api/employers', { params: { query: { limit: EMPLOYERS } } });
    expect(exact.data!.employers).toHaveLength(EMPLOYERS);
    expect(exact.data!.nextCursor).toBeNull();
  });

  it('walks the declarations newest first, with each filter, each row once', async () => {
    const seeded = Array.from({ length: 40 }, (_, i) => ({ id: `LD${String(i).padStart(3, '0')}`, at: at(i), employerId: `LE${String(i % 4).padStart(3, '0')}`, status: i % 3 === 0 ? 'rejected' : 'accepted' }));
    const filters = [
      { query: {}, expected: seeded },
      { query: { employerId: 'LE001' }, expected: seeded.filter((d) => d.employerId === 'LE001') },
      { query: { status: 'rejected' as const }, expected: seeded.filter((d) => d.status === 'rejected') },
      // China days: 2026-01-05 is the whole seed (10:00 onwards, China time).
      { query: { declaredFrom: '2026-01-05', declaredTo: '2026-01-05', status: 'accepted' as const }, expected: seeded.filter((d) => d.status === 'accepted') },
      { query: { declaredFrom: '2026-01-06' }, expected: [] },
    ];
    for (const { query, expected } of filters) {
      const all = await walk(async (cursor) => {
        const r = await stack.client.GET('/api/declarations', { params: { query: { ...query, limit: 3, ...(cursor ? { cursor } : {}) } } });
        // The route documents no success answer yet (its TypeBox schema is on its way): read it as it is.
        const data = r.data as unknown as { declarations: { id: string }[]; nextCursor: string | null } | undefined;
        return { items: ids(data?.declarations ?? []), nextCursor: data?.nextCursor ?? null, status: r.response.status };
      });
      expect(all.items, JSON.stringify(query)).toEqual(byNewest(expected));
    }
  });

  it('walks the payments with filters, and rows added between pages neither repeat nor push rows out', async () => {
    const seeded = Array.from({ length: 23 }, (_, i) => ({ id: `LP${String(i).padStart(3, '0')}`, at: at(i), employerId: `LE${String(i % 2).padStart(3, '0')}`, status: i % 2 === 0 ? 'paid' : 'failed' }));
    let added = 0;
    const all = await walk(async (cursor) => {
      const r = await stack.client.GET('/api/payments', { params: { query: { employerId: 'LE000', limit: 2, ...(cursor ? { cursor } : {}) } } });
      // A newer payment arrives after each page: it belongs before the pages already read.
      await stack.database.db.insert(payments).values({
        id: `LPNEW${added++}`,
        employerId: 'LE000',
        method: 'bank_voucher',
        status: 'paid',
        totalFen: 1,
        lineIds: [],
        workflowId: `payment-new-${added}`,
        deadline: new Date(T0 + 86_400_000),
        createdBy: 'seed',
      });
      return { items: ids(r.data?.payments ?? []), nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(all.items).toEqual(byNewest(seeded.filter((p) => p.employerId === 'LE000')));
    const failed = await walk(async (cursor) => {
      const r = await stack.clientAs('auditor').GET('/api/payments', { params: { query: { status: 'failed', limit: 5, ...(cursor ? { cursor } : {}) } } });
      return { items: ids(r.data?.payments ?? []), nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(failed.items).toEqual(byNewest(seeded.filter((p) => p.status === 'failed')));
  });

  it('filters declarations and payments by fee period, and names each one’s periods and a payment’s declarations', async () => {
    const declared = await walk(async (cursor) => {
      const r = await stack.client.GET('/api/declarations', { params: { query: { period: '2025-12', limit: 4, ...(cursor ? { cursor } : {}) } } });
      return { items: r.data?.declarations ?? [], nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(ids(declared.items)).toEqual(byNewest(Array.from({ length: 40 }, (_, i) => ({ id: `LD${String(i).padStart(3, '0')}`, at: at(i) })).filter((_, i) => i % 2 === 1)));
    expect(declared.items.map((d) => d.periods)).toEqual(declared.items.map(() => ['2025-12']));

    const paid = await walk(async (cursor) => {
      const r = await stack.client.GET('/api/payments', { params: { query: { period: '2026-01', limit: 4, ...(cursor ? { cursor } : {}) } } });
      return { items: r.data?.payments ?? [], nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(ids(paid.items)).toEqual(byNewest(Array.from({ length: 23 }, (_, i) => ({ id: `LP${String(i).padStart(3, '0')}`, at: at(i) })).filter((_, i) => i % 2 === 0)));
    const lp002 = paid.items.find((p) => p.id === 'LP002')!;
    expect(lp002.periods).toEqual(['2026-01']);
    expect(lp002.lines).toEqual([{ lineId: 'LL002', itemId: 'LI2', declarationId: 'LD002', period: '2026-01', insuranceName: '企业职工基本养老保险费', amountFen: 24, amountYuan: '0.24' }]);
    const bad = await stack.client.GET('/api/payments', { params: { query: { period: '2026-13' } } });
    expect(bad.response.status).toBe(400);
  });

  it('exports the declarations and payments a filter selects, every page of them, as CSV and XLSX for people', async () => {
    const csv = await stack.app.inject({ method: 'GET', url: '/api/declarations/export?period=2025-12&format=csv', headers: auth() });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-disposition']).toContain('declarations-2025-12.csv');
    const [header, ...rows] = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(header).toContain('申报编号 declaration');
    expect(rows).toHaveLength(20); // every odd declaration, however many pages the export reads
    const ld037 = rows.find((r) => r.startsWith('LD037,'))!;
    expect(ld037.split(',')).toEqual(['LD037', 'Lists Test Employer 1', '2025-12', '日常申报 regular', '申报成功 accepted', '未缴费 unpaid', '37.00', '2026-01-05 10:12 北京时间', 'seed', '']);

    const xlsx = await stack.app.inject({ method: 'GET', url: '/api/payments/export?period=2026-01&format=xlsx', headers: auth('auditor') });
    expect(xlsx.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(xlsx.rawPayload).buffer);
    const sheet = workbook.getWorksheet('缴费记录')!;
    expect(sheet.rowCount).toBe(1 + 12); // LP000, LP002 … LP022
    const lp002 = sheet.getRows(2, 12)!.find((r) => r.getCell(1).value === 'LP002')!;
    expect(lp002.getCell(4).value).toBe('LD002');
    expect(lp002.getCell(6).value).toBe('1.00');
    expect((await stack.app.inject({ method: 'GET', url: '/api/payments/export?cursor=x', headers: auth() })).statusCode).toBe(400);
  });

  it('walks the batches and an employer’s certificates', async () => {
    const batches = await walk(async (cursor) => {
      const r = await stack.client.GET('/api/declaration-batches', { params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } } });
      return { items: ids(r.data?.batches ?? []), nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(batches.items).toEqual(byNewest(Array.from({ length: 7 }, (_, i) => ({ id: `LB${i}`, at: at(i) }))));
    const certs = await walk(async (cursor) => {
      const r = await stack.client.GET('/api/employers/{id}/certificates', { params: { path: { id: 'LE000' }, query: { limit: 3, ...(cursor ? { cursor } : {}) } } });
      return { items: ids(r.data?.certificates ?? []), nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(certs.items).toEqual(byNewest(Array.from({ length: 8 }, (_, i) => ({ id: `LC${i}`, at: at(i) }))));
  });

  it('answers 400 problem+json to a cursor that is not one it gave', async () => {
    const notOurs = [
      'garbage!',
      Buffer.from('{"at":1}').toString('base64url'),
      Buffer.from(JSON.stringify(['not a time', 'LD001'])).toString('base64url'),
    ];
    for (const cursor of notOurs) {
      for (const path of ['/api/employers', '/api/declarations', '/api/payments', '/api/declaration-batches', '/api/employers/LE000/certificates']) {
        // A raw request: the typed client would not send a malformed cursor on purpose.
        const res = await stack.app.inject({ method: 'GET', url: `${path}?cursor=${encodeURIComponent(cursor)}`, headers: auth() });
        expect(res.statusCode, `${path} ${cursor}`).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().code).toBe('CURSOR_INVALID');
      }
    }
  });
});

describe('finding an employer (q)', () => {
  const find = async (q: string) => ids((await stack.client.GET('/api/employers', { params: { query: { q } } })).data!.employers);

  it('by a part of the name, the taxpayer ID or the unit number, any case', async () => {
    expect(await find('西湖茶叶')).toEqual(['LE007']);
    expect(await find('91list000000000003')).toEqual(['LE003']);
    expect(await find('77000011')).toEqual(['LE011']);
    expect(await find('test employer 1')).toEqual(['LE001', 'LE010', 'LE011', 'LE012']);
    expect(await find('nobody like this')).toEqual([]);
    // LIKE's wildcards are searched for as themselves.
    expect(await find('%')).toEqual([]);
    expect(await find('_')).toEqual([]);
  });

  it('pages the matches too', async () => {
    const all = await walk(async (cursor) => {
      const r = await stack.client.GET('/api/employers', { params: { query: { q: 'lists test', limit: 5, ...(cursor ? { cursor } : {}) } } });
      return { items: ids(r.data?.employers ?? []), nextCursor: r.data?.nextCursor ?? null, status: r.response.status };
    });
    expect(all.items).toEqual(Array.from({ length: EMPLOYERS }, (_, i) => `LE${String(i).padStart(3, '0')}`).filter((id) => id !== 'LE007'));
  });
});
