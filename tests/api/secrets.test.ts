// Secrets never appear in plain text: run real flows with known passwords and account numbers,
// then search the exported Temporal histories, the captured logs and a dump of the database.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialPassword } from '../../src/domain/password';
import { addEmployer } from '../support/employers';
import { auth, startStack, type Stack } from '../support/stack';
import { historyText } from '../support/history';

const NEW_PASSWORD = 'Secret2026Xyz';
const WRONG_PASSWORD = 'WrongSecret777';
const logLines: string[] = [];
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, logLines });
});
afterAll(async () => {
  await stack?.close();
});


describe('no secret in plain text', () => {
  it('leaves no password or account number in histories, logs or the database', async () => {
    const employer = await addEmployer(stack, 1);
    const bureauView = (await stack.admin('/admin/employers')).employers.find((e: { taxpayerId: string }) => e.taxpayerId === employer.taxpayerId);
    const accountNumbers: string[] = [...bureauView.agreements, ...bureauView.accounts].map((a: { accountNumber: string }) => a.accountNumber);
    expect(accountNumbers.length).toBeGreaterThan(0);
    const initial = initialPassword(employer.unitNumber);

    const call = (url: string, payload?: Record<string, unknown>) =>
      stack.app.inject({ method: payload ? 'POST' : 'GET', url, headers: auth(), ...(payload ? { payload } : {}) });
    expect((await call(`/api/employers/${employer.id}/password`, { password: WRONG_PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD })).statusCode).toBe(422);
    expect((await call(`/api/employers/${employer.id}/password`, { password: initial, newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD })).statusCode).toBe(200);
    expect((await call(`/api/employers/${employer.id}/sign-in`, { password: WRONG_PASSWORD })).statusCode).toBe(422);
    expect((await call(`/api/employers/${employer.id}/sign-in`, { password: NEW_PASSWORD })).statusCode).toBe(200);
    const details = await call(`/api/employers/${employer.id}`);
    for (const number of accountNumbers) expect(details.body).not.toContain(number);
    expect(details.json().agreements[0].account).toMatch(/^\*\*\*\* \d{4}$/);

    const items = (await call(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
    const declared = await call(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds: [items[0]!.itemId], headcountConfirmed: true });
    expect(declared.statusCode).toBe(202);
    const workflowId = declared.json().workflowId as string;
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(`/api/declarations/${declared.json().id}/fetch-result`, {})).json().status).toBe('accepted');

    const secrets = [NEW_PASSWORD, WRONG_PASSWORD, ...accountNumbers];

    // Histories: encrypted by the payload codec. Not even the taxpayer ID shows in the raw bytes,
    // while the same history read through the codec does hold it.
    const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
    const raw = historyText(history);
    expect(raw).toContain('binary/encrypted');
    for (const secret of [...secrets, employer.taxpayerId, items[0]!.itemId]) expect(raw).not.toContain(secret);
    const decoded = await stack.temporal.workflow.getHandle(workflowId).result();
    expect(decoded.status).toBe('accepted');

    // Logs: every request was logged (one line each) at debug level; the redaction rules hold.
    expect(logLines.length).toBeGreaterThan(5);
    const logs = logLines.join('');
    expect(logs).toContain('/sign-in');
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs).not.toContain(auth().authorization.slice('Bearer '.length));
    // Should anything log a request body, the redaction paths still hide passwords and accounts.
    stack.app.log.info({ body: { password: NEW_PASSWORD, newPassword: NEW_PASSWORD }, account: { accountNumber: accountNumbers[0] } }, 'probe');
    const probe = logLines.at(-1)!;
    expect(probe).toContain('[redacted]');
    for (const secret of secrets) expect(probe).not.toContain(secret);

    // Database: a full dump holds no password and no account number.
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', stack.config.databaseUrl!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain(employer.taxpayerId); // the dump is real and has the data
    // (The initial password is not among them: it is the end of the unit number, stored openly.)
    for (const secret of secrets) expect(dump).not.toContain(secret);
  });
});
