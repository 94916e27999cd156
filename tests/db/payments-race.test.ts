// Two payments of one declaration finishing at the same moment: the declaration must end `paid`
// (each finish locks the declarations before deriving their payment status).
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client';
import { finishPayment } from '../../src/db/payments';
import { declarationLines, declarations, employers, paymentLines, payments } from '../../src/db/schema';
import { withDatabase } from '../support/global-setup';

const name = `${inject('templateDatabase').replace(/_tpl$/, '')}_race`;
let database: Database;

beforeAll(async () => {
  const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${inject('templateDatabase')}"`);
  await admin.end();
  database = await openDatabase({ url: withDatabase(inject('adminDatabaseUrl'), name), dataDir: '' });
});
afterAll(async () => {
  await database?.close();
});

describe('finishing payments concurrently', () => {
  it('leaves a declaration paid when its last two lines are paid at the same moment', async () => {
    const db = database.db;
    await db.insert(employers).values({ id: 'E1', taxpayerId: 'T1', unitNumber: 'U1', name: 'n', taxOfficeCode: 'c', taxOfficeName: 'o' });
    const wrong: string[] = [];
    for (let i = 0; i < 20; i++) {
      const d = `D${i}`;
      await db.insert(declarations).values({ id: d, employerId: 'E1', kind: 'regular', status: 'accepted', totalFen: 200, workflowId: 'w', declaredBy: 'x' });
      for (const k of ['a', 'b']) {
        await db.insert(declarationLines).values({ id: `${d}:${k}`, declarationId: d, itemId: `${d}${k}`, unitNumber: 'U1', insuranceType: 'pension', agency: 'a', period: '2026-10', headcount: 1, baseFen: 1, employerFen: 50, employeeFen: 50, amountFen: 100, collectionOrder: 'c', validUntil: '2027-01-31' });
        await db.insert(payments).values({ id: `P${i}${k}`, employerId: 'E1', method: 'three_party', status: 'deducting', totalFen: 100, lineIds: [`${d}:${k}`], workflowId: 'w', deadline: new Date(Date.now() + 1e9), createdBy: 'x' });
        await db.insert(paymentLines).values({ paymentId: `P${i}${k}`, lineId: `${d}:${k}`, itemId: `${d}${k}`, amountFen: 100 });
      }
      await Promise.all([finishPayment(db, `P${i}a`, 'paid', null), finishPayment(db, `P${i}b`, 'paid', null)]);
      const [row] = await db.select({ s: declarations.paymentStatus }).from(declarations).where(eq(declarations.id, d));
      if (row?.s !== 'paid') wrong.push(`${d}: ${row?.s}`);
    }
    expect(wrong).toEqual([]);
  });
});
